"""Giving money back against a payment: card refunds through Paystack, cash refunds at the desk.

An invoice's amounts change only when a refund is *processed* (`apply_processed_refund`): a card refund
waits for Paystack's `refund.processed` webhook, a cash refund is processed the moment it is recorded.
Refunds against one payment can never add up to more than the payment (failed refunds do not count).

Card refund statuses only move forward: submitting → pending → processing → needs-attention →
processed | failed. `submitting` means the row exists and the `POST /refund` is (about to be) sent.
"""
from sqlalchemy import func, select

from billing_desk import audit, integrations
from billing_desk.billing import states
from billing_desk.billing.money import format_money
from billing_desk.billing.locks import lock_invoice
from billing_desk.billing.payments import PAYMENT_AUDIT_FIELDS
from billing_desk.extensions import db
from billing_desk.models import Payment, Refund
from billing_desk.timeutil import utcnow

CARD, CASH = "paystack", "cash"
SUBMITTING, PENDING, PROCESSING, NEEDS_ATTENTION, PROCESSED, FAILED = (
    "submitting", "pending", "processing", "needs-attention", "processed", "failed",
)
# Order in which a refund's status may move; the two final statuses share the last rank.
STATUS_RANK = {SUBMITTING: 0, PENDING: 1, PROCESSING: 2, NEEDS_ATTENTION: 3, PROCESSED: 4, FAILED: 4}
FINAL = frozenset({PROCESSED, FAILED})
LABELS = {
    SUBMITTING: "Being sent to Paystack",
    PENDING: "Pending at Paystack",
    PROCESSING: "Being processed by the card network",
    NEEDS_ATTENTION: "Needs attention — Paystack asks for the patient's bank details",
    PROCESSED: "Refunded",
    FAILED: "Failed — nothing was refunded",
}
# Invoices that hold money that can be given back.
REFUNDABLE_INVOICE_STATUSES = frozenset(
    {states.S.PARTIALLY_PAID, states.S.PAID, states.S.PARTIALLY_REFUNDED}
)
REFUND_AUDIT_FIELDS = ("status", "amount_minor", "channel", "paystack_refund_id", "refund_reference")


class RefundRefused(ValueError):
    """The refund cannot be made; the message is fit to show an administrator."""


def _held_minor_by_payment(*conditions):
    """{payment id: what is already given back, or on its way back} (failed refunds excluded)."""
    rows = db.session.execute(
        select(Refund.payment_id, func.coalesce(func.sum(Refund.amount_minor), 0))
        .where(Refund.status != FAILED, *conditions).group_by(Refund.payment_id)
    )
    return {payment_id: int(total) for payment_id, total in rows}


def refunded_or_held_minor(payment_id):
    """What is already given back, or on its way back, against a payment (failed refunds excluded)."""
    return _held_minor_by_payment(Refund.payment_id == payment_id).get(payment_id, 0)


def refundable_on_invoice(invoice):
    """{payment id: what can still be refunded} for every payment of `invoice`, in one query."""
    held = _held_minor_by_payment(Refund.invoice_id == invoice.id)
    return {payment.id: max(payment.amount_minor - held.get(payment.id, 0), 0) for payment in invoice.payments}


def refundable_minor(payment):
    """What can still be refunded on `payment`."""
    return max(payment.amount_minor - refunded_or_held_minor(payment.id), 0)


def methods_for(payment):
    """Card payments can be refunded to the card or in cash; everything else only in cash."""
    return (CARD, CASH) if payment.paystack_reference else (CASH,)


def create_refund(payment_id, amount_minor, *, channel, reason, actor_id=None, submission_key=None):
    """Add a refund against a payment (flushes; never commits). Returns the Refund.

    A cash refund is processed at once (the invoice follows); a card refund is left `submitting` for
    `billing_desk.paystack.tasks.submit_refund` to send after the caller commits.
    """
    if submission_key:
        existing = db.session.execute(
            select(Refund).where(Refund.submission_key == submission_key)
        ).scalar_one_or_none()
        if existing is not None:
            return existing
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        raise RefundRefused("There is no such payment.")
    invoice = lock_invoice(payment.invoice_id)  # serialises refunds of one invoice: no over-refunding
    reason = (reason or "").strip()
    if not reason:
        raise RefundRefused("Give a reason for the refund.")
    if channel not in methods_for(payment):
        raise RefundRefused("This payment cannot be refunded that way.")
    if states.S(invoice.status) not in REFUNDABLE_INVOICE_STATUSES:
        raise RefundRefused(f"This invoice is {states.LABELS[invoice.status].lower()}; there is nothing to refund.")
    if amount_minor <= 0:
        raise RefundRefused("The amount must be more than zero.")
    left = refundable_minor(payment)
    if amount_minor > left:
        raise RefundRefused(
            f"At most {format_money(left, payment.currency)} of this payment can still be refunded."
        )
    refund = Refund(
        payment_id=payment.id,
        invoice_id=invoice.id,
        amount_minor=amount_minor,
        currency=payment.currency,
        channel=channel,
        status=SUBMITTING if channel == CARD else PENDING,
        reason=reason,
        created_by_id=actor_id,
        submission_key=submission_key,
    )
    db.session.add(refund)
    db.session.flush()
    audit.record(
        "refund.requested",
        refund,
        after=audit.snapshot(refund, REFUND_AUDIT_FIELDS),
        actor_id=actor_id,
        invoice_id=invoice.id,
        patient_id=invoice.patient_id,
        note=reason,
    )
    if channel == CASH:
        apply_processed_refund(refund, actor_id=actor_id)
    return refund


def apply_processed_refund(refund, *, actor_id=None, refund_reference=None):
    """The money has gone back: take it off the invoice's paid amount and let the status follow.

    Idempotent: a refund already processed changes nothing. Flushes; never commits.
    """
    invoice = lock_invoice(refund.invoice_id)
    db.session.refresh(refund)  # read the status after the lock: a concurrent apply may have won
    if refund.status == PROCESSED:
        return False
    if refund.status == FAILED:
        raise RefundRefused("A failed refund cannot be processed.")
    before = {**audit.snapshot(invoice, PAYMENT_AUDIT_FIELDS), **audit.snapshot(refund, REFUND_AUDIT_FIELDS)}
    invoice.amount_paid_minor -= refund.amount_minor
    invoice.amount_refunded_minor += refund.amount_minor
    states.settle(invoice)
    refund.status = PROCESSED
    refund.processed_at = utcnow()
    if refund_reference:
        refund.refund_reference = refund_reference
    db.session.flush()
    audit.record(
        "refund.processed",
        refund,
        before=before,
        after={**audit.snapshot(invoice, PAYMENT_AUDIT_FIELDS), **audit.snapshot(refund, REFUND_AUDIT_FIELDS)},
        actor_id=actor_id,
        invoice_id=invoice.id,
        patient_id=invoice.patient_id,
    )
    integrations.emit("refund.processed", refund)
    return True


def advance_status(refund, status, *, refund_reference=None, error=None, actor_id=None):
    """Move a card refund forward to `status` (never back, never out of a final status).

    `processed` goes through `apply_processed_refund`. Returns True when something changed.
    """
    if status not in STATUS_RANK:
        raise ValueError(f"unknown refund status {status!r}")
    if refund.status in FINAL or STATUS_RANK[status] <= STATUS_RANK[refund.status]:
        return False
    if status == PROCESSED:
        return apply_processed_refund(refund, actor_id=actor_id, refund_reference=refund_reference)
    before = audit.snapshot(refund, REFUND_AUDIT_FIELDS)
    refund.status = status
    if refund_reference:
        refund.refund_reference = refund_reference
    if error:
        refund.error = error
    if status == FAILED:
        refund.processed_at = utcnow()
    db.session.flush()
    audit.record(
        f"refund.{status}",
        refund,
        before=before,
        after=audit.snapshot(refund, REFUND_AUDIT_FIELDS),
        actor_id=actor_id,
        invoice_id=refund.invoice_id,
        note=error,
    )
    return True
