"""Applying Paystack events to the desk's records: plain functions, no Flask request, no commit.

The webhook body is only a hint. Before money is booked the payment request (or transaction) is verified
with Paystack, and the *verified* transactions are what get recorded — by `record_payment`, keyed by the
transaction reference, so whichever of `paymentrequest.success`, `charge.success` or the sweep sees a
payment first records it and the others find it already there. Money that cannot be booked safely (wrong
amount or currency, an invoice no longer payable, a reference we cannot place) becomes a PaymentReview
for an administrator instead of an error or a silent drop.

Each payment booked here queues its receipt email in the same transaction (`outbox.queue_receipt_email`,
once per payment, so a repeated or reordered event cannot queue a second one); the Outcome carries the
outbox ids and whoever commits passes them to `dispatch_receipts` afterwards.

Entry points: `apply_event(event_name, data, event_id=None)` (dispatch, returns an Outcome) and
`apply_verified_request(payment_request, verified)` (shared with the sweep and reconciliation).
"""
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from sqlalchemy import select

from billing_desk import audit
from billing_desk.billing import refunds as refund_service
from billing_desk.billing.payments import PaymentDetails, PaymentRefused, lock_invoice, record_payment
from billing_desk.extensions import db
from billing_desk.models import (
    Invoice,
    Patient,
    Payment,
    PaymentRequest,
    PaymentReview,
    Refund,
    Terminal,
    TerminalPush,
)
from billing_desk.notifications import outbox
from billing_desk.paystack.client import PaystackNotFound, PaystackRejected, get_client
from billing_desk.timeutil import utcnow

log = logging.getLogger(__name__)

# Outcomes saved on WebhookEvent.outcome.
PAID = "paid"  # a payment was recorded
DUPLICATE = "duplicate"  # the payment (or refund status) was already there
WAITING = "waiting"  # a charge we cannot link yet; the sweep looks again after a grace period
REVIEW = "review"  # money flagged for an administrator (PaymentReview)
PENDING = "pending"  # the request is still pending at Paystack
REFUND = "refund_updated"
IGNORED = "ignored"  # not an event the desk acts on

# Pushes still waiting at a terminal (`sent`, then `delivered` once the device has it; see `sync`). A payment
# closes every push that could have taken it: "expired" and "cancelled" included, as the patient may have
# paid just as the push timed out here, or on a terminal the cashier had moved on from.
OPEN_PUSH_STATUSES = ("sent", "delivered")
PAYABLE_PUSH_STATUSES = (*OPEN_PUSH_STATUSES, "expired", "cancelled", "failed")
# A paid request is final; a late `pending` never takes it back.
REQUEST_STATUS_RANK = {"creating": 0, "draft": 1, "pending": 2, "failed": 3, "success": 4}
# Paystack's transaction `channel` "pos" is a card on one of our terminals; anything else (a card on the
# hosted pay page, a bank app, USSD…) was paid by the patient online.
TERMINAL_CHANNEL, ONLINE_CHANNEL = "card_terminal", "online"
# How many recent pushes on one terminal a POS charge is checked against (each costs one verify call).
MAX_PUSH_CANDIDATES = 3


@dataclass(frozen=True)
class Outcome:
    name: str
    detail: str | None = None
    receipts: tuple = ()  # EmailOutbox ids of receipts queued here: dispatch them after the commit


def dispatch_receipts(outcome):
    """Start the receipt emails an applied (and committed) Outcome queued; None is passed over."""
    if outcome is not None and outcome.receipts:
        outbox.dispatch(outcome.receipts)


# ---- small coercions (docs/paystack.md §9.3: types drift between payloads) ------------------------------------------

def as_int(value):
    """`5000`, `"5000"`, `5000.0` → 5000; None for anything that is not a whole number."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value) if isinstance(value, str) and "." in value else int(value)
    except (TypeError, ValueError):
        return None
    if isinstance(number, float):
        return int(number) if number.is_integer() else None
    return number


def parse_paid_at(value):
    """Paystack's ISO timestamp (`2026-11-20T09:16:39.000Z`) as naive UTC, the database convention."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def counted_amount(transaction, expected):
    """The part of a transaction that pays the invoice: `amount`, or `requested_amount` when the
    difference is fees the customer paid on top (docs/paystack.md §5)."""
    amount = as_int(transaction.get("amount"))
    requested = as_int(transaction.get("requested_amount"))
    if amount != expected and requested == expected and amount is not None and amount > requested:
        return requested
    return amount


# ---- lookups ---------------------------------------------------------------------------------------------

def find_payment_request(data):
    """Our PaymentRequest for a `paymentrequest.*` payload: by Paystack id, request code or offline reference."""
    paystack_id = as_int(data.get("id"))
    if paystack_id is not None:
        found = db.session.execute(select(PaymentRequest).where(PaymentRequest.paystack_id == paystack_id)).scalar()
        if found:
            return found
    code = data.get("request_code")
    if code:
        found = db.session.execute(select(PaymentRequest).where(PaymentRequest.request_code == str(code))).scalar()
        if found:
            return found
    offline = data.get("offline_reference")
    if offline:
        return db.session.execute(
            select(PaymentRequest)
            .where(PaymentRequest.offline_reference == str(offline))
            .order_by(PaymentRequest.id.desc())
        ).scalar()
    return None


def payment_for_reference(reference):
    return db.session.execute(select(Payment).where(Payment.paystack_reference == reference)).scalar()


def review_for_reference(reference):
    return db.session.execute(select(PaymentReview).where(PaymentReview.paystack_reference == reference)).scalar()


def latest_push(payment_request_id):
    return db.session.execute(
        select(TerminalPush)
        .where(TerminalPush.payment_request_id == payment_request_id)
        .order_by(TerminalPush.created_at.desc(), TerminalPush.id.desc())
    ).scalar()


# ---- reviews ---------------------------------------------------------------------------------------------

def open_review(kind, reference, *, detail, invoice_id=None, expected=None, received=None, currency=None,
                event_id=None):
    """Flag money for an administrator, once per reference (a second flag for it returns the first)."""
    existing = review_for_reference(reference) if reference else None
    if existing is not None:
        return existing
    review = PaymentReview(
        kind=kind,
        paystack_reference=reference,
        invoice_id=invoice_id,
        expected_minor=expected,
        received_minor=received,
        currency=currency,
        webhook_event_id=event_id,
        detail=detail,
    )
    db.session.add(review)
    db.session.flush()
    audit.record(
        "payment_review.opened",
        review,
        after={"kind": kind, "reference": reference, "expected_minor": expected, "received_minor": received,
               "currency": currency},
        actor_id=None,
        invoice_id=invoice_id,
        note=detail,
    )
    log.warning("payment review opened: %s %s (%s)", kind, reference, detail)
    return review


# ---- payment requests ------------------------------------------------------------------------------------

def note_request_status(payment_request, status, *, paid_at=None):
    """Mirror Paystack's request status, forwards only (`success` is never undone)."""
    current = REQUEST_STATUS_RANK.get(payment_request.status, 0)
    if status not in REQUEST_STATUS_RANK or REQUEST_STATUS_RANK[status] <= current:
        return False
    before = audit.snapshot(payment_request, ("status",))
    payment_request.status = status
    if paid_at and payment_request.paid_at is None:
        payment_request.paid_at = paid_at
    audit.record(
        f"payment_request.{status}",
        payment_request,
        before=before,
        after=audit.snapshot(payment_request, ("status",)),
        actor_id=None,
        invoice_id=payment_request.invoice_id,
    )
    return True


def apply_verified_request(payment_request, verified, *, event_id=None):
    """Book what a *verified* payment request (`GET /paymentrequest/verify/…` data) says was paid.

    Every successful transaction in `verified["transactions"]` is recorded (or flagged) once; the request's
    status follows Paystack's forwards. Returns the Outcome of the most significant thing that happened.
    """
    payment_request.last_verified_at = utcnow()
    outcomes = []
    for transaction in verified.get("transactions") or []:
        if isinstance(transaction, dict) and transaction.get("status", "success") == "success":
            outcomes.append(apply_transaction(payment_request, transaction, event_id=event_id))
    status = str(verified.get("status") or "")
    if verified.get("paid") is True:
        status = "success"
    if status == "success" and not outcomes:
        # Paid, yet no transaction to book: nothing we could record safely.
        reference = f"request:{payment_request.request_code or payment_request.id}"
        open_review(
            "unknown_reference", reference, invoice_id=payment_request.invoice_id,
            expected=payment_request.amount_minor, currency=payment_request.currency, event_id=event_id,
            detail="Paystack reports the payment request paid but lists no transaction for it.",
        )
        outcomes.append(Outcome(REVIEW, "paid request without transactions"))
    note_request_status(payment_request, status, paid_at=parse_paid_at(verified.get("paid_at")))
    if not outcomes:
        return Outcome(PENDING if status in ("pending", "draft") else IGNORED, f"request is {status or 'unknown'}")
    receipts = tuple(receipt for outcome in outcomes for receipt in outcome.receipts)
    for name in (REVIEW, PAID, DUPLICATE):
        for outcome in outcomes:
            if outcome.name == name:
                return replace(outcome, receipts=receipts)
    return replace(outcomes[0], receipts=receipts)


def apply_transaction(payment_request, transaction, *, event_id=None):
    """Record one verified successful transaction of `payment_request` against its invoice, exactly once."""
    reference = str(transaction.get("reference") or "")
    if not reference:
        return Outcome(IGNORED, "transaction without reference")
    invoice = lock_invoice(payment_request.invoice_id)  # also serialises the two webhooks of one payment
    if payment_for_reference(reference) is not None:
        return Outcome(DUPLICATE, f"{reference} already recorded")
    if review_for_reference(reference) is not None:
        return Outcome(DUPLICATE, f"{reference} already flagged")
    expected, currency = payment_request.amount_minor, payment_request.currency
    amount = counted_amount(transaction, expected)
    received_currency = str(transaction.get("currency") or "").upper()
    flag = dict(invoice_id=invoice.id, expected=expected, received=amount, currency=received_currency or None,
                event_id=event_id)
    if received_currency != currency:
        open_review("currency_mismatch", reference, **flag,
                    detail=f"Requested {currency}, Paystack reports {received_currency or 'no currency'}.")
        return Outcome(REVIEW, "currency mismatch")
    if amount != expected:
        open_review("amount_mismatch", reference, **flag,
                    detail=f"Requested {expected} minor units, the terminal took {amount}.")
        return Outcome(REVIEW, "amount mismatch")
    on_terminal = str(transaction.get("channel") or "") == "pos"
    push = latest_push(payment_request.id) if on_terminal else None
    details = PaymentDetails(
        amount_minor=amount,
        currency=currency,
        channel=TERMINAL_CHANNEL if on_terminal else ONLINE_CHANNEL,
        paystack_reference=reference,
        paid_at=parse_paid_at(transaction.get("paid_at") or transaction.get("paidAt")),
        received_by_id=push.staff_id if push else None,
    )
    try:
        payment = record_payment(invoice.id, details, actor_id=None)
    except PaymentRefused as refused:
        # Cash came in meanwhile, the invoice was voided, …: the patient paid twice — flag, don't 500.
        open_review("overpayment", reference, **flag, detail=f"Card payment could not be applied: {refused}")
        return Outcome(REVIEW, "invoice no longer payable")
    if push is not None:
        payment.terminal_id = push.terminal_id
    payment.note_card(transaction.get("authorization"))
    receipt = outbox.queue_receipt_email(payment)  # "skipped" (and not sent) when the patient has no email
    close_paid_pushes(payment_request.id)
    note_request_status(payment_request, "success", paid_at=details.paid_at)
    db.session.flush()
    receipts = (receipt.id,) if receipt is not None and receipt.status == outbox.QUEUED else ()
    return Outcome(PAID, f"payment {payment.id} for {reference}", receipts=receipts)


def close_paid_pushes(payment_request_id):
    """Every push of a request that has just been paid becomes `paid` (audited, by the system)."""
    now = utcnow()
    pushes = db.session.execute(
        select(TerminalPush).where(
            TerminalPush.payment_request_id == payment_request_id,
            TerminalPush.status.in_(PAYABLE_PUSH_STATUSES),
        )
    ).scalars().all()
    for push in pushes:
        set_push_status(push, "paid", now)


def set_push_status(push, status, now, actor_id=None):
    """Move a push to a final status (`paid`, `expired`, `cancelled`, …) with its audit row.

    `actor_id` is the cashier who stopped waiting; None for the system (a webhook, the sweep, a re-push).
    """
    before = push.status
    push.status = status
    push.finished_at = now
    audit.record(f"terminal_push.{status}", push, before={"status": before}, after={"status": status},
                 invoice_id=push.invoice_id, actor_id=actor_id)


def handle_request_success(data, event_id=None):
    payment_request = find_payment_request(data)
    if payment_request is None:
        return flag_unknown_request(data, event_id)
    if not payment_request.request_code:
        raise RuntimeError(f"payment request {payment_request.id} has no request code to verify")
    try:
        verified = get_client().verify_payment_request(payment_request.request_code)
    except PaystackNotFound:
        return flag_unverifiable(f"request:{payment_request.request_code}", event_id, invoice_id=payment_request.invoice_id)
    return apply_verified_request(payment_request, verified, event_id=event_id)


def handle_request_pending(data, event_id=None):
    payment_request = find_payment_request(data)
    if payment_request is None:
        return Outcome(IGNORED, "pending request that is not ours")
    if note_request_status(payment_request, "pending"):
        return Outcome(PENDING, "request pending")
    return Outcome(IGNORED, f"request already {payment_request.status}")


def flag_unknown_request(data, event_id):
    code = data.get("request_code") or data.get("id")
    open_review(
        "unknown_reference", f"request:{code}", received=as_int(data.get("amount")),
        currency=data.get("currency"), event_id=event_id,
        detail=f"Paystack reports payment request {code} paid; the desk has no such request.",
    )
    return Outcome(REVIEW, "unknown payment request")


def flag_unverifiable(reference, event_id, invoice_id=None):
    """A signed event about something Paystack's API does not know: never booked, always looked at."""
    open_review(
        "unknown_reference", reference, invoice_id=invoice_id, event_id=event_id,
        detail=f"A webhook reported {reference} paid, but Paystack's API does not know it (verify: not found).",
    )
    return Outcome(REVIEW, "not found at Paystack")


# ---- charges ---------------------------------------------------------------------------------------------

def handle_charge_success(data, event_id=None, *, flag_if_unlinked=False):
    """A successful charge: find the payment request it paid and book it through that request.

    POS charges carry no link to the request (docs/paystack.md pitfall 6). The link is our recent push on the terminal
    named in `source.identifier`, confirmed by the verified request listing this transaction. Online charges
    are linked through the patient's Paystack customer code the same way. Unlinked charges wait for
    `paymentrequest.success`; `flag_if_unlinked` (the sweep, after the grace period) flags them instead.
    """
    reference = str(data.get("reference") or "")
    if not reference:
        return Outcome(IGNORED, "charge without reference")
    if payment_for_reference(reference) is not None:
        return Outcome(DUPLICATE, f"{reference} already recorded")
    if review_for_reference(reference) is not None:
        return Outcome(DUPLICATE, f"{reference} already flagged")
    try:
        transaction = get_client().verify_transaction(reference)
    except (PaystackNotFound, PaystackRejected):  # an unknown reference is a 404 or a 400 (docs/paystack.md §5)
        return flag_unverifiable(reference, event_id)
    if str(transaction.get("status")) != "success":
        return Outcome(IGNORED, f"verify says {transaction.get('status')}")
    for payment_request in candidate_requests(transaction):
        verified = get_client().verify_payment_request(payment_request.request_code)
        references = {str(t.get("reference")) for t in verified.get("transactions") or [] if isinstance(t, dict)}
        if reference in references:
            return apply_verified_request(payment_request, verified, event_id=event_id)
    if not flag_if_unlinked:
        return Outcome(WAITING, f"{reference} not linked to a payment request yet")
    source = transaction.get("source") or {}
    open_review(
        "unknown_reference", reference, received=as_int(transaction.get("amount")),
        currency=transaction.get("currency"), event_id=event_id,
        detail=(
            f"Paystack charge {reference} ({transaction.get('channel')}"
            f"{', terminal ' + str(source.get('identifier')) if source.get('identifier') else ''}) "
            "matches none of the desk's payment requests."
        ),
    )
    return Outcome(REVIEW, "unlinked charge")


def candidate_requests(transaction):
    """Payment requests that may have been paid by `transaction`, most likely first."""
    source = transaction.get("source") or {}
    terminal_code = source.get("identifier") if isinstance(source, dict) else None
    if terminal_code:
        terminal = db.session.execute(select(Terminal).where(Terminal.terminal_id == str(terminal_code))).scalar()
        if terminal is None:
            return []
        pushes = db.session.execute(
            select(TerminalPush)
            .where(TerminalPush.terminal_id == terminal.id, TerminalPush.status.in_(PAYABLE_PUSH_STATUSES))
            .order_by(TerminalPush.created_at.desc(), TerminalPush.id.desc())
            .limit(20)
        ).scalars().all()
        requests = []
        for push in pushes:
            if push.payment_request not in requests and push.payment_request.request_code:
                requests.append(push.payment_request)
    else:
        customer = transaction.get("customer") or {}
        code = customer.get("customer_code") if isinstance(customer, dict) else None
        if not code:
            return []
        requests = db.session.execute(
            select(PaymentRequest)
            .join(Invoice, Invoice.id == PaymentRequest.invoice_id)
            .join(Patient, Patient.id == Invoice.patient_id)
            .where(Patient.paystack_customer_code == str(code), PaymentRequest.request_code.is_not(None),
                   PaymentRequest.status.in_(("pending", "creating")))
            .order_by(PaymentRequest.created_at.desc())
            .limit(20)
        ).scalars().all()
    # Requests for exactly the charged amount first: the usual case, and the cheapest to confirm.
    amount = as_int(transaction.get("amount"))
    requests.sort(key=lambda r: r.amount_minor != amount)
    return requests[:MAX_PUSH_CANDIDATES]


# ---- refunds ---------------------------------------------------------------------------------------------

def handle_refund(event_name, data, event_id=None):
    """Move our Refund forward to the event's status; `processed` takes the money off the invoice."""
    status = event_name.removeprefix("refund.")
    if status not in refund_service.STATUS_RANK:
        return Outcome(IGNORED, f"refund status {status}")
    reference = str(data.get("transaction_reference") or "")
    amount = as_int(data.get("amount"))
    refund = find_refund(reference, amount, status, paystack_refund_id=as_int(data.get("id")))
    if refund is None:
        payment = payment_for_reference(reference) if reference else None
        open_review(
            "unknown_reference", f"refund:{reference}:{amount}", received=amount, currency=data.get("currency"),
            invoice_id=payment.invoice_id if payment else None, event_id=event_id,
            detail=(
                f"Paystack reports a {status} refund of {amount} minor units on transaction {reference or '?'}"
                " that the desk did not request."
            ),
        )
        return Outcome(REVIEW, "unknown refund")
    error = None
    if status == "failed":
        error = "Paystack could not refund; the money stays with the hospital."
    elif status == "needs-attention":
        error = "Paystack needs the patient's bank details to complete this refund."
    changed = refund_service.advance_status(
        refund, status, refund_reference=data.get("refund_reference"), error=error
    )
    return Outcome(REFUND if changed else DUPLICATE, f"refund {refund.id} {refund.status}")


def find_refund(transaction_reference, amount, status, *, paystack_refund_id=None):
    """Our card refund an event is about: by Paystack refund id, else by transaction reference and amount.

    With several partial refunds of one transaction, the oldest that can still move to `status` wins, so
    identical partial refunds are matched one by one.
    """
    if paystack_refund_id is not None:
        found = db.session.execute(select(Refund).where(Refund.paystack_refund_id == paystack_refund_id)).scalar()
        if found:
            return found
    if not transaction_reference:
        return None
    refunds = db.session.execute(
        select(Refund)
        .join(Payment, Payment.id == Refund.payment_id)
        .where(Payment.paystack_reference == transaction_reference, Refund.channel == refund_service.CARD)
        .order_by(Refund.id)
        .with_for_update(of=Refund)
    ).scalars().all()
    if amount is not None and len(refunds) > 1:
        refunds = [r for r in refunds if r.amount_minor == amount] or refunds
    rank = refund_service.STATUS_RANK[status]
    movable = [r for r in refunds if r.status not in refund_service.FINAL
               and refund_service.STATUS_RANK[r.status] < rank]
    if movable:
        return movable[0]
    return refunds[0] if refunds else None


# ---- dispatch --------------------------------------------------------------------------------------------

def apply_event(event_name, data, event_id=None):
    """Apply one Paystack event; returns an Outcome. Flushes; the caller commits (or rolls back and retries)."""
    if event_name == "paymentrequest.success":
        return handle_request_success(data, event_id)
    if event_name == "paymentrequest.pending":
        return handle_request_pending(data, event_id)
    if event_name == "charge.success":
        return handle_charge_success(data, event_id)
    if event_name.startswith("refund."):
        return handle_refund(event_name, data, event_id)
    # invoice.* are subscription invoices, not our payment requests (docs/paystack.md pitfall 7); the rest is not ours.
    return Outcome(IGNORED, f"{event_name} is not used by the desk")

