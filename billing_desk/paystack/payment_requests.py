"""The payment request lifecycle: one status table, and the small reads and moves every other module uses.

    creating ──► pending ──► success
        │           ├──► archived ──► success   (retired: the balance changed, or its push ended)
        │           ├──► expired ───► success   (older than PAYSTACK_REQUEST_MAX_AGE_HOURS)
        │           └──► failed
        └──► abandoned                           (the create certainly did not happen)

`creating` is committed *before* `POST /paymentrequest`, so a create that timed out leaves a trace
(`creation.py`). A retired request can still turn out paid (the patient paid just before it was archived):
that success is booked like any other (`charges.py`). At most one request per invoice is `pending`, and its
amount is the invoice's balance (`retire.py` keeps it so).
"""
from enum import StrEnum

from sqlalchemy import select

from billing_desk import audit
from billing_desk.extensions import db
from billing_desk.models import PaymentRequest
from billing_desk.paystack.coerce import as_int


class RequestStatus(StrEnum):
    CREATING = "creating"
    PENDING = "pending"
    SUCCESS = "success"
    FAILED = "failed"
    ARCHIVED = "archived"
    EXPIRED = "expired"
    ABANDONED = "abandoned"


R = RequestStatus
TRANSITIONS = {
    R.CREATING: {R.PENDING, R.ABANDONED},
    R.PENDING: {R.SUCCESS, R.FAILED, R.ARCHIVED, R.EXPIRED},
    R.ARCHIVED: {R.SUCCESS},
    R.EXPIRED: {R.SUCCESS},
    R.FAILED: {R.SUCCESS, R.ARCHIVED},
    R.SUCCESS: set(),
    R.ABANDONED: set(),
}
LABELS = {
    R.CREATING: "Being made at Paystack",
    R.PENDING: "Live — can be paid",
    R.SUCCESS: "Paid",
    R.FAILED: "Failed at Paystack",
    R.ARCHIVED: "Withdrawn — the balance changed",
    R.EXPIRED: "Expired — not paid in time",
    R.ABANDONED: "Never made at Paystack",
}
OPEN = (R.CREATING, R.PENDING)  # may still become the invoice's live request
RETIRED = (R.ARCHIVED, R.EXPIRED)
# The marker in a request's description that ties it to our row (Paystack has no client reference).
DESK_REF = "desk ref PR-{id}"


def label(status):
    return LABELS[R(status)]


def can_move(current, target):
    return R(target) in TRANSITIONS[R(current)]


def set_status(row, status, *, actor_id=audit.SYSTEM, note=None):
    """Move a request along an allowed edge, audited; returns False (and changes nothing) for any other move, so
    a late or repeated Paystack status never takes a request back."""
    if R(row.status) == R(status) or not can_move(row.status, status):
        return False
    before = audit.snapshot(row, ("status", "request_code"))
    row.status = R(status).value
    audit.record(f"payment_request.{row.status}", row, before=before,
                 after=audit.snapshot(row, ("status", "request_code")), invoice_id=row.invoice_id,
                 actor_id=actor_id, note=note)
    return True


def link(row, data):
    """Copy Paystack's ids onto our row; it is live (`pending`) from now on."""
    row.paystack_id = as_int(data.get("id"))
    row.request_code = data.get("request_code")
    row.offline_reference = str(data.get("offline_reference") or "") or None
    set_status(row, R.PENDING)


def fits(row, invoice):
    """True when the request asks for exactly what the invoice owes now."""
    return row.amount_minor == invoice.balance_due_minor and row.currency == invoice.currency


def open_requests(invoice_id):
    """The invoice's `creating` and `pending` requests, newest first, read afresh."""
    return db.session.execute(
        select(PaymentRequest)
        .where(PaymentRequest.invoice_id == invoice_id, PaymentRequest.status.in_(OPEN))
        .order_by(PaymentRequest.id.desc())
        .execution_options(populate_existing=True)
    ).scalars().all()


def live_request(invoice_id):
    """The invoice's pending request, or None (there is at most one for the current balance)."""
    return next((row for row in open_requests(invoice_id) if row.status == R.PENDING), None)


def latest_request(invoice_id):
    return db.session.scalar(
        select(PaymentRequest).where(PaymentRequest.invoice_id == invoice_id).order_by(PaymentRequest.id.desc())
    )


def find_payment_request(data):
    """Our PaymentRequest for a `paymentrequest.*` payload: by Paystack id, request code or offline reference."""
    paystack_id = as_int(data.get("id"))
    if paystack_id is not None:
        found = db.session.scalar(select(PaymentRequest).where(PaymentRequest.paystack_id == paystack_id))
        if found:
            return found
    code = data.get("request_code")
    if code:
        found = db.session.scalar(select(PaymentRequest).where(PaymentRequest.request_code == str(code)))
        if found:
            return found
    offline = data.get("offline_reference")
    if offline:
        return db.session.scalar(
            select(PaymentRequest).where(PaymentRequest.offline_reference == str(offline))
            .order_by(PaymentRequest.id.desc())
        )
    return None
