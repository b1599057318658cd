"""Putting emails in the outbox (in the caller's transaction) and starting their jobs (after its commit).

`queue_*` add a row and flush — never commit. A patient with no usable address still gets a row, with
status "skipped" and the reason, so the invoice page can say why nothing was sent. After committing, the
caller passes the rows (or ids) to `dispatch`.
"""
import logging
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from rq import Retry
from sqlalchemy import func, select

from billing_desk import audit
from billing_desk.billing.money import format_money
from billing_desk.billing.states import InvoiceStatus, is_payable
from billing_desk.extensions import db
from billing_desk.jobs import enqueue
from billing_desk.models import EmailOutbox
from billing_desk.notifications.settings import setting
from billing_desk.timeutil import shown, utcnow

log = logging.getLogger(__name__)

QUEUED, SENDING, SENT, FAILED, SKIPPED = "queued", "sending", "sent", "failed", "skipped"
NO_EMAIL = "No email on file"
KIND_LABELS = {"invoice": "Invoice", "receipt": "Receipt", "reminder": "Reminder", "statement": "Statement",
               "reconciliation": "Reconciliation report"}
RESEND_AUDIT_FIELDS = ("status", "recipient", "attempts", "last_error", "message_id", "resend_count")


class EmailRefused(ValueError):
    """This email cannot be queued or resent; the message is fit to show to staff."""


def patient_address(patient):
    """(address, None) when the patient has a usable email, else (None, the reason in words)."""
    raw = (patient.email or "").strip()
    placeholder_domain = "@" + current_app.config["PATIENT_EMAIL_DOMAIN"].lower()
    if not raw or raw.lower().endswith(placeholder_domain):
        return None, NO_EMAIL
    try:
        return validate_email(raw, check_deliverability=False, allow_smtputf8=False).normalized, None
    except EmailNotValidError as problem:
        return None, f"The email on file ({raw}) is not a valid address: {problem}"


def subject_for(kind, invoice, payment=None):
    hospital = current_app.config["HOSPITAL_NAME"]
    if kind == "statement":
        subject = f"{hospital}: your statement of account"
    elif kind == "invoice":
        subject = f"{hospital}: invoice {invoice.number}"
    elif kind == "receipt":
        subject = f"{hospital}: receipt for {format_money(payment.amount_minor, payment.currency)} (invoice {invoice.number})"
    else:
        subject = f"{hospital}: reminder — invoice {invoice.number} is past due"
    return ("[TEST] " if current_app.config["TEST_MODE"] else "") + subject


def _new_row(kind, invoice, *, payment=None, reminder_number=None, requested_by_id=None, submission_key=None,
             created_at=None, patient=None, **statement):
    patient = patient or invoice.patient
    address, reason = patient_address(patient)
    row = EmailOutbox(
        kind=kind,
        invoice_id=invoice.id if invoice is not None else None,
        patient_id=patient.id,
        **statement,
        payment_id=payment.id if payment is not None else None,
        reminder_number=reminder_number,
        recipient=address or (patient.email or "").strip() or None,
        subject=subject_for(kind, invoice, payment),
        status=QUEUED if address else SKIPPED,
        last_error=reason,
        requested_by_id=requested_by_id,
        submission_key=submission_key,
    )
    if created_at is not None:
        row.created_at = row.updated_at = created_at
    db.session.add(row)
    db.session.flush()
    return row


def can_email_invoice(invoice):
    return invoice.number is not None and invoice.status not in (InvoiceStatus.DRAFT, InvoiceStatus.VOID)


def queue_invoice_email(invoice, actor_id=None, *, submission_key=None):
    """Queue the invoice email (PDF, pay link, signed page link). Flushes; returns the row (maybe "skipped").

    The same `submission_key` (a double-clicked "Send invoice") finds the first row instead of a second email.
    """
    if submission_key:
        existing = db.session.scalars(select(EmailOutbox).where(EmailOutbox.submission_key == submission_key)).first()
        if existing is not None:
            return existing
    if not can_email_invoice(invoice):
        raise EmailRefused("Only an issued invoice can be emailed; this one is a draft or void.")
    return _new_row("invoice", invoice, requested_by_id=actor_id, submission_key=submission_key)


def queue_receipt_email(payment):
    """Queue the receipt email for `payment`, once: None when it already has one. Flushes."""
    existing = db.session.scalars(
        select(EmailOutbox.id).where(EmailOutbox.kind == "receipt", EmailOutbox.payment_id == payment.id)
    ).first()
    if existing is not None:
        return None
    return _new_row("receipt", payment.invoice, payment=payment)


def queue_statement_email(patient, currency, first, last, *, actor_id, submission_key=None):
    """Queue a patient's statement of account for `first`..`last` (PDF attached). Flushes; returns the row."""
    if submission_key:
        existing = db.session.scalars(select(EmailOutbox).where(EmailOutbox.submission_key == submission_key)).first()
        if existing is not None:
            return existing
    return _new_row("statement", None, patient=patient, requested_by_id=actor_id, submission_key=submission_key,
                    statement_currency=currency, statement_first=first, statement_last=last)


def queue_reminder_email(invoice, *, now=None):
    """Queue the next payment reminder, or None when the invoice is settled or has had all its reminders.
    (Spacing them REMINDER_INTERVAL_DAYS apart is `reminders.queue_due_reminders`' job.) Flushes."""
    if not is_payable(invoice):
        return None
    sent_before = db.session.scalar(
        select(func.count(EmailOutbox.id)).where(EmailOutbox.invoice_id == invoice.id, EmailOutbox.kind == "reminder")
    )
    if sent_before >= current_app.config["REMINDER_MAX_COUNT"]:
        return None
    return _new_row("reminder", invoice, reminder_number=sent_before + 1, created_at=now)


def job_id(outbox_id):
    """One RQ job id per row, so the sweep can tell whether its job is still queued."""
    return f"email-outbox-{outbox_id}"


def dispatch(outbox_ids):
    """Start the send job of each row (ids or rows; None and skipped rows are passed over). Call after commit.

    Returns how many jobs were started. A job that cannot be started now is left to the sweep.
    """
    from billing_desk.notifications.tasks import send_outbox_email

    intervals = list(setting("EMAIL_RETRY_INTERVALS"))
    retry = Retry(max=len(intervals), interval=intervals)
    started = 0
    for item in outbox_ids:
        if item is None or (isinstance(item, EmailOutbox) and item.status == SKIPPED):
            continue
        outbox_id = item.id if isinstance(item, EmailOutbox) else int(item)
        started += enqueue(send_outbox_email, outbox_id, queue="emails", retry=retry, job_id=job_id(outbox_id))
    return started


def resend(outbox_id, *, actor_id):
    """Re-arm a failed or skipped email with the patient's current address (audited). Flushes.

    The same row is used again, so a receipt stays one row per payment whatever happens to it.
    """
    row = db.session.execute(
        select(EmailOutbox).where(EmailOutbox.id == outbox_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if not row.can_resend:
        raise EmailRefused(f"This email is {describe(row)[0].lower()}; only failed or skipped emails can be resent.")
    invoice = row.invoice
    if row.kind == "reconciliation":  # a report to an administrator: the same address and subject
        address, subject = row.recipient, row.subject
    else:
        address, subject = _still_wanted_address(row), subject_for(row.kind, invoice, row.payment)
    before = audit.snapshot(row, RESEND_AUDIT_FIELDS)
    row.status = QUEUED
    row.recipient = address
    row.subject = subject
    row.attempts = 0
    row.last_error = None
    row.message_id = None
    row.claimed_at = None
    row.next_attempt_at = None
    row.resend_count += 1
    db.session.flush()
    audit.record(
        "email.resent", row, before=before, after=audit.snapshot(row, RESEND_AUDIT_FIELDS), actor_id=actor_id,
        invoice_id=row.invoice_id, patient_id=row.patient_id or (invoice.patient_id if invoice else None),
    )
    return row


def _still_wanted_address(row):
    """The patient's current address, or EmailRefused when the email is not wanted any more."""
    invoice = row.invoice  # None for a statement, which is about the patient
    if invoice is not None and invoice.status == InvoiceStatus.VOID:
        raise EmailRefused("The invoice has been voided since; the email is not resent.")
    if row.kind == "reminder" and not is_payable(invoice):
        raise EmailRefused("The invoice no longer has a balance due; a reminder is not needed.")
    address, reason = patient_address(row.patient or invoice.patient)
    if address is None:
        raise EmailRefused(f"Not resent: {reason[0].lower()}{reason[1:]}. Add the patient's email first.")
    return address


def retry_delay(attempts):
    """How long to wait after the `attempts`-th failed try, or None when that was the last try."""
    intervals = list(setting("EMAIL_RETRY_INTERVALS"))
    if attempts >= setting("EMAIL_MAX_ATTEMPTS") or not intervals:
        return None
    return timedelta(seconds=intervals[min(attempts, len(intervals)) - 1])


def describe(row):
    """(status in words, detail) for staff pages."""
    if row.status == QUEUED:
        return "Waiting to be sent", None
    if row.status == SENDING:
        return "Being sent", None
    if row.status == SENT:
        return "Sent", shown(row.sent_at) if row.sent_at else None
    if row.status == SKIPPED:
        return "Not sent", row.last_error
    if row.will_retry:
        return "Not sent yet — will try again", (
            f"Attempt {row.attempts} of {setting('EMAIL_MAX_ATTEMPTS')} failed; next try after "
            f"{shown(row.next_attempt_at, '%H:%M')}. {row.last_error or ''}".strip()
        )
    return "Failed", row.last_error


def kind_label(row):
    label = KIND_LABELS.get(row.kind, row.kind)
    return f"{label} {row.reminder_number}" if row.reminder_number else label


def due_for_retry(now=None):
    """Rows the sweep should start a job for: waiting ones whose job may be lost, and retries that are due."""
    now = now or utcnow()
    queued_before = now - timedelta(seconds=setting("EMAIL_SWEEP_QUEUED_AGE_SECONDS"))
    return db.session.scalars(
        select(EmailOutbox.id)
        .where(
            ((EmailOutbox.status == QUEUED) & (EmailOutbox.updated_at <= queued_before))
            | ((EmailOutbox.status == FAILED) & (EmailOutbox.next_attempt_at <= now))
        )
        .order_by(EmailOutbox.id)
        .limit(setting("EMAIL_SWEEP_BATCH"))
    ).all()
