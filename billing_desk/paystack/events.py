"""Applying one Paystack event: `apply_event(event_name, data, event_id)` → an Outcome. Flushes; never commits.

`paymentrequest.*` and `charge.success` are verified with Paystack and booked through `charges.py`;
`refund.*` move our refunds (`refund_events.py`); everything else is ignored (`invoice.*` are subscription
invoices, not our payment requests).
"""
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import Invoice, Patient, PaymentRequest, Terminal, TerminalPush
from billing_desk.paystack import charges, refund_events, reviews
from billing_desk.paystack import payment_requests as requests_
from billing_desk.paystack.client import get_client
from billing_desk.paystack.errors import PaystackNotFound, PaystackRejected
from billing_desk.paystack.coerce import as_int
from billing_desk.paystack.pushes import PushStatus
from billing_desk.paystack.outcomes import IGNORED, PENDING, REVIEW, WAITING, Outcome

# How many recent requests a charge is checked against (each costs one verify call).
MAX_CANDIDATES = 3
RECENT = 20


def apply_event(event_name, data, event_id=None):
    if event_name == "paymentrequest.success":
        return handle_request_success(data, event_id)
    if event_name == "paymentrequest.pending":
        return handle_request_pending(data)
    if event_name == "charge.success":
        return handle_charge_success(data, event_id)
    if event_name.startswith("refund."):
        return refund_events.handle_refund(event_name, data, event_id)
    return Outcome(IGNORED, f"{event_name} is not used by the desk")


def handle_request_success(data, event_id=None):
    payment_request = requests_.find_payment_request(data)
    if payment_request is None:
        code = data.get("request_code") or data.get("id")
        reviews.open_review(
            "unknown_reference", f"request:{code}", received=as_int(data.get("amount")),
            currency=data.get("currency"), event_id=event_id,
            detail=f"Paystack reports payment request {code} paid; the desk has no such request.",
        )
        return Outcome(REVIEW, "unknown payment request")
    if not payment_request.request_code:
        raise RuntimeError(f"payment request {payment_request.id} has no request code to verify")
    try:
        verified = get_client().verify_payment_request(payment_request.request_code)
    except PaystackNotFound:
        return flag_unverifiable(f"request:{payment_request.request_code}", event_id,
                                 invoice_id=payment_request.invoice_id)
    return charges.apply_verified_request(payment_request, verified, event_id=event_id)


def handle_request_pending(data):
    """Nothing to book: Paystack says a request we made is live, which we knew when we linked it."""
    payment_request = requests_.find_payment_request(data)
    if payment_request is None:
        return Outcome(IGNORED, "pending request that is not ours")
    return Outcome(PENDING if payment_request.status == requests_.R.PENDING else IGNORED,
                   f"request is {payment_request.status}")


def flag_unverifiable(reference, event_id, invoice_id=None):
    """A signed event about something Paystack's API does not know: never booked, always looked at."""
    reviews.open_review(
        "unknown_reference", reference, invoice_id=invoice_id, event_id=event_id,
        detail=f"A webhook reported {reference} paid, but Paystack's API does not know it (verify: not found).",
    )
    return Outcome(REVIEW, "not found at Paystack")


def handle_charge_success(data, event_id=None, *, flag_if_unlinked=False):
    """A successful charge: find the payment request it paid and book it through that request.

    POS charges carry no link to the request. The link is our recent push on the terminal named in
    `source.identifier`, confirmed by the verified request listing this transaction. Online charges are linked
    through the patient's Paystack customer code the same way. Unlinked charges wait for
    `paymentrequest.success`; `flag_if_unlinked` (the sweep, after the grace period) flags them instead.
    """
    reference = str(data.get("reference") or "")
    if not reference:
        return Outcome(IGNORED, "charge without reference")
    seen = charges.already_there(reference)
    if seen is not None:
        return seen
    try:
        transaction = get_client().verify_transaction(reference)
    except (PaystackNotFound, PaystackRejected):  # an unknown reference is a 404 or a 400
        return flag_unverifiable(reference, event_id)
    if str(transaction.get("status")) != "success":
        return Outcome(IGNORED, f"verify says {transaction.get('status')}")
    for payment_request in candidate_requests(transaction):
        verified = get_client().verify_payment_request(payment_request.request_code)
        references = {str(t.get("reference")) for t in verified.get("transactions") or [] if isinstance(t, dict)}
        if reference in references:
            return charges.apply_verified_request(payment_request, verified, event_id=event_id)
    if not flag_if_unlinked:
        return Outcome(WAITING, f"{reference} not linked to a payment request yet")
    source = transaction.get("source") if isinstance(transaction.get("source"), dict) else {}
    where = f", terminal {source['identifier']}" if source.get("identifier") else ""
    reviews.open_review(
        "unknown_reference", reference, received=as_int(transaction.get("amount")),
        currency=transaction.get("currency"), event_id=event_id,
        detail=f"Paystack charge {reference} ({transaction.get('channel')}{where}) matches none of the desk's "
               "payment requests.",
    )
    return Outcome(REVIEW, "unlinked charge")


def candidate_requests(transaction):
    """Payment requests that may have been paid by `transaction`, most likely first."""
    source = transaction.get("source") if isinstance(transaction.get("source"), dict) else {}
    if source.get("identifier"):
        found = _requests_pushed_to(str(source["identifier"]))
    else:
        customer = transaction.get("customer") if isinstance(transaction.get("customer"), dict) else {}
        found = _requests_of_customer(customer.get("customer_code"))
    # Requests for exactly the charged amount first: the usual case, and the cheapest to confirm.
    amount = as_int(transaction.get("amount"))
    found.sort(key=lambda r: r.amount_minor != amount)
    return found[:MAX_CANDIDATES]


def _requests_pushed_to(terminal_code):
    terminal = db.session.scalar(select(Terminal).where(Terminal.terminal_id == terminal_code))
    if terminal is None:
        return []
    found = []
    for push in db.session.scalars(
        select(TerminalPush).where(TerminalPush.terminal_id == terminal.id, TerminalPush.status != PushStatus.PAID)
        .order_by(TerminalPush.created_at.desc(), TerminalPush.id.desc()).limit(RECENT)
    ):
        if push.payment_request not in found and push.payment_request.request_code:
            found.append(push.payment_request)
    return found


def _requests_of_customer(customer_code):
    if not customer_code:
        return []
    return list(db.session.scalars(
        select(PaymentRequest)
        .join(Invoice, Invoice.id == PaymentRequest.invoice_id)
        .join(Patient, Patient.id == Invoice.patient_id)
        .where(Patient.paystack_customer_code == str(customer_code), PaymentRequest.request_code.is_not(None),
               PaymentRequest.status.in_((*requests_.OPEN, *requests_.RETIRED)))
        .order_by(PaymentRequest.created_at.desc()).limit(RECENT)
    ))
