"""Booking money Paystack reports: verified payment requests and charges. Plain functions, no commit.

The webhook body is only a hint. Before money is booked the payment request (or transaction) is verified
with Paystack, and the *verified* transactions are what get recorded — by `record_payment`, keyed by the
transaction reference, so whichever of `paymentrequest.success`, `charge.success`, a retirement or the sweep
sees a payment first records it and the others find it already there.

A success is booked when it fits what the invoice owes at that moment — also on a request that was withdrawn
meanwhile (the patient paid just as the balance changed). Money that does not fit (not what a live request
asked for, more than the balance, the wrong currency, an invoice paid or void since, a reference we cannot
place) opens a review instead.
Each payment booked here queues its receipt email, started after the commit.
"""
from sqlalchemy import select

from billing_desk import audit
from billing_desk.billing.locks import lock_invoice
from billing_desk.billing.money import format_money
from billing_desk.billing.payments import PaymentDetails, PaymentRefused, record_payment
from billing_desk.billing.states import refusal_to_collect
from billing_desk.extensions import db
from billing_desk.jobs.after_commit import call_after_commit
from billing_desk.models import Payment
from billing_desk.notifications import outbox
from billing_desk.paystack import payment_requests as requests_
from billing_desk.paystack import pushes, reviews
from billing_desk.paystack.coerce import counted_amount, parse_paid_at
from billing_desk.paystack.outcomes import DUPLICATE, IGNORED, PAID, PENDING, REVIEW, Outcome, most_significant
from billing_desk.timeutil import utcnow

# Paystack's transaction `channel` "pos" is a card on one of our terminals; anything else (a card on the
# hosted pay page, a bank app, USSD…) was paid by the patient online.
TERMINAL_CHANNEL, ONLINE_CHANNEL = "card_terminal", "online"


def payment_for_reference(reference):
    return db.session.scalar(select(Payment).where(Payment.paystack_reference == reference))


def already_there(reference):
    """The Outcome for a reference booked or put up for review before, else None."""
    if payment_for_reference(reference) is not None:
        return Outcome(DUPLICATE, f"{reference} already recorded")
    if reviews.review_for_reference(reference) is not None:
        return Outcome(DUPLICATE, f"{reference} already flagged")
    return None


def apply_verified_request(payment_request, verified, *, event_id=None):
    """Book what a *verified* payment request (`GET /paymentrequest/verify/…` data) says was paid.

    Every successful transaction in `verified["transactions"]` is recorded (or flagged) once; the request's
    status follows Paystack's forwards. Returns the Outcome of the most significant thing that happened.
    """
    payment_request.last_verified_at = utcnow()
    outcomes = [
        apply_transaction(payment_request, transaction, event_id=event_id)
        for transaction in verified.get("transactions") or []
        if isinstance(transaction, dict) and transaction.get("status", "success") == "success"
    ]
    status = "success" if verified.get("paid") is True else str(verified.get("status") or "")
    if status == "success" and not outcomes:
        reviews.open_review(
            "unknown_reference", f"request:{payment_request.request_code or payment_request.id}",
            invoice_id=payment_request.invoice_id, expected=payment_request.amount_minor,
            currency=payment_request.currency, event_id=event_id,
            detail="Paystack reports the payment request paid but lists no transaction for it.",
        )
        outcomes.append(Outcome(REVIEW, "paid request without transactions"))
    if status in (requests_.R.SUCCESS, requests_.R.FAILED):
        note_paid(payment_request, status, parse_paid_at(verified.get("paid_at")))
    if not outcomes:
        return Outcome(PENDING if status == "pending" else IGNORED, f"request is {status or 'unknown'}")
    return most_significant(outcomes)


def note_paid(payment_request, status, paid_at):
    if requests_.set_status(payment_request, status) and paid_at and payment_request.paid_at is None:
        payment_request.paid_at = paid_at


def apply_transaction(payment_request, transaction, *, event_id=None):
    """Record one verified successful transaction of `payment_request` against its invoice, exactly once."""
    reference = str(transaction.get("reference") or "")
    if not reference:
        return Outcome(IGNORED, "transaction without reference")
    invoice = lock_invoice(payment_request.invoice_id)  # also serialises the two webhooks of one payment
    seen = already_there(reference)
    if seen is not None:
        return seen
    amount = counted_amount(transaction, payment_request.amount_minor)
    currency = str(transaction.get("currency") or "").upper()
    problem = _why_not_booked(invoice, payment_request, amount, currency)
    if problem is not None:
        kind, detail = problem
        reviews.open_review(kind, reference, invoice_id=invoice.id, expected=invoice.balance_due_minor,
                            received=amount, currency=currency or None, event_id=event_id, detail=detail)
        return Outcome(REVIEW, detail)
    try:
        payment = book(invoice.id, payment_request, transaction, amount)
    except PaymentRefused as refused:  # not expected after the checks above; never a 500 or a lost payment
        reviews.open_review("overpayment", reference, invoice_id=invoice.id, expected=invoice.balance_due_minor,
                            received=amount, currency=currency, event_id=event_id,
                            detail=f"Card payment could not be applied: {refused}")
        return Outcome(REVIEW, "invoice refused the payment")
    return Outcome(PAID, f"payment {payment.id} for {reference}")


def _why_not_booked(invoice, payment_request, amount, currency):
    """(review kind, words) when this money does not fit what the invoice owes now, else None."""
    if currency != invoice.currency or currency != payment_request.currency:
        return "currency_mismatch", f"Requested {payment_request.currency}, Paystack reports {currency or 'none'}."
    if not amount or amount <= 0:
        return "amount_mismatch", f"Paystack reports an amount the desk cannot read ({amount})."
    paid = format_money(amount, currency)
    if payment_request.status in requests_.OPEN and amount != payment_request.amount_minor:
        asked = format_money(payment_request.amount_minor, currency)
        return "amount_mismatch", f"{paid} was paid on a live request for {asked}."
    refusal = refusal_to_collect(invoice)
    if refusal is not None:
        return "overpayment", f"{paid} was paid on Paystack, but {refusal[0].lower()}{refusal[1:]}"
    if amount > invoice.balance_due_minor:
        owed = format_money(invoice.balance_due_minor, currency)
        return "overpayment", f"{paid} was paid on Paystack; the invoice owed only {owed} by then."
    return None


def book(invoice_id, payment_request, transaction, amount):
    """Record the payment of a request, and the request and its pushes as paid."""
    push = pushes.latest_push(payment_request.id) if str(transaction.get("channel") or "") == "pos" else None
    payment = book_confirmed(invoice_id, transaction, amount, actor_id=audit.SYSTEM, push=push)
    pushes.close_paid_pushes(payment_request.id)
    note_paid(payment_request, requests_.R.SUCCESS, payment.paid_at)
    db.session.flush()
    return payment


def book_confirmed(invoice_id, transaction, amount, *, actor_id, push=None):
    """Record a transaction Paystack confirmed as a payment of `amount`, and queue its receipt (started after
    the commit). `push` is the terminal push it was tapped on, if any. Raises PaymentRefused."""
    on_terminal = str(transaction.get("channel") or "") == "pos"
    invoice = lock_invoice(invoice_id)
    details = PaymentDetails(
        amount_minor=amount, currency=invoice.currency,
        channel=TERMINAL_CHANNEL if on_terminal else ONLINE_CHANNEL,
        paystack_reference=str(transaction["reference"]),
        paid_at=parse_paid_at(transaction.get("paid_at") or transaction.get("paidAt")),
        received_by_id=push.staff_id if push else None,
    )
    payment = record_payment(invoice_id, details, actor_id=actor_id)
    if push is not None:
        payment.terminal_id = push.terminal_id
    payment.note_card(transaction.get("authorization"))
    receipt = outbox.queue_receipt_email(payment)  # "skipped" (and not sent) when the patient has no email
    if receipt is not None and receipt.status == outbox.QUEUED:
        call_after_commit(outbox.dispatch, [receipt.id])
    db.session.flush()
    return payment
