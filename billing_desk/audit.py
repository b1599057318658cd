"""The audit trail: every state change writes who, what, when, before and after in the same transaction."""
import re

from billing_desk.extensions import db
from billing_desk.models import AuditEntry

# The actor of work nobody at a desk did: webhooks, jobs, sweeps, the desk's own follow-ups. Audit rows store it
# as no staff member; the log reads it as "System".
SYSTEM = None


# Every action the code records, in words: the one list the audit log, its filter and an invoice's history
# read. `tests/test_audit.py` fails when code records an action that is missing here.
ACTION_LABELS = {
    "invoice.created": "Draft invoice created",
    "invoice.updated": "Draft invoice changed",
    "invoice.issued": "Invoice issued",
    "invoice.voided": "Invoice voided",
    "payment.recorded": "Payment recorded",
    "payment_request.pending": "Card payment request sent",
    "payment_request.success": "Card payment request paid",
    "payment_request.creating": "Card payment request being made",
    "payment_request.failed": "Card payment request failed",
    "payment_request.abandoned": "Card payment request abandoned (never made at Paystack)",
    "payment_request.archived": "Card payment request withdrawn (the balance changed, or its terminal charge ended)",
    "payment_request.expired": "Card payment request expired (not paid in time)",
    "payment_review.opened": "Payment put up for review",
    "payment_review.resolved": "Payment review resolved",
    "refund.requested": "Refund requested",
    "refund.submitting": "Refund being sent to Paystack",
    "refund.pending": "Refund pending at Paystack",
    "refund.processing": "Refund being processed",
    "refund.needs-attention": "Refund needs attention",
    "refund.processed": "Refund processed",
    "refund.failed": "Refund failed",
    "terminal_push.sent": "Charge sent to a terminal",
    "terminal_push.paid": "Terminal charge paid",
    "terminal_push.expired": "Terminal charge expired",
    "terminal_push.cancelled": "Terminal charge stopped by the cashier",
    "terminal_push.replaced": "Terminal charge replaced",
    "terminal.added": "Terminal added",
    "terminal.updated": "Terminal changed",
    "receipt.printed": "Receipt printed",
    "shift.opened": "Shift opened",
    "shift.closed": "Shift closed",
    "shift.signed_off": "Shift signed off",
    "patient.created": "Patient registered",
    "patient.paystack_customer": "Patient registered with Paystack",
    "patient.updated": "Patient details changed",
    "service.created": "Service added to the price list",
    "service.updated": "Price list service changed",
    "setting.updated": "Setting changed",
    "email.resent": "Email sent again",
    "webhook_event.reprocessed": "Paystack webhook event processed again",
    "staff.created": "Staff account added",
    "staff.updated": "Staff account changed",
    "staff.deactivated": "Staff account deactivated",
    "staff.reactivated": "Staff account reactivated",
    "staff.password_reset": "Staff password reset",
    "staff.locked": "Account locked after failed sign-ins",
    "staff.unlocked": "Staff account unlocked",
    "staff.default_terminal": "Default terminal changed",
    "api_key.created": "API key created",
    "api_key.revoked": "API key revoked",
    "webhook_subscription.created": "Integration webhook added",
    "webhook_subscription.updated": "Integration webhook changed",
    "webhook_delivery.replayed": "Integration webhook delivery sent again",
    "account.deposit": "Deposit taken",
    "account.credit": "Credit added to the account",
    "account.applied": "Account money applied to an invoice",
    "account.refund": "Account money refunded",
    "approval.requested": "Approval asked for",
    "approval.approved": "Approved by a supervisor",
    "approval.rejected": "Rejected by a supervisor",
    "account_document.printed": "Deposit receipt or refund document printed",
}


def action_label(action):
    """The action in words; an action missing from the list still reads, as "Refund failed" for "refund.failed"."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    words = re.sub(r"[._-]+", " ", action).strip()
    return words[:1].upper() + words[1:]


def record(action, entity, *, actor_id, before=None, after=None, invoice_id=None, patient_id=None, note=None):
    """Add an audit row for `entity` (flushed with the caller's transaction, never committed here).

    `actor_id` is always given: the staff member who did it, or `SYSTEM` for jobs, sweeps and webhooks. There
    is no fallback to the signed-in user, so system work done inside a cashier's request is not booked to them.
    """
    entry = AuditEntry(
        action=action,
        entity_type=entity.__tablename__,
        entity_id=entity.id,
        actor_id=actor_id,
        invoice_id=invoice_id,
        patient_id=patient_id,
        before=before,
        after=after,
        note=note,
    )
    db.session.add(entry)
    return entry


def snapshot(obj, fields):
    """A JSON-safe dict of `fields` of `obj`, for an audit row's before/after."""
    result = {}
    for name in fields:
        value = getattr(obj, name)
        result[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return result
