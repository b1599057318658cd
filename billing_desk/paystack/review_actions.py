"""What an administrator can do with money in review — the table of actions, each audited.

`ACTIONS` maps a name to its words, a `possible(review)` check and what it does; `resolve_review` runs one by
name and closes the review. To offer a new action (e.g. keep the money as the patient's credit), add an entry.
"""
from dataclasses import dataclass
from typing import Callable

from billing_desk import audit
from billing_desk.billing.money import format_money
from billing_desk.billing.states import is_payable
from billing_desk.extensions import db
from billing_desk.models import Invoice, PaymentReview
from billing_desk.paystack import charges
from billing_desk.paystack.client import get_client
from billing_desk.paystack.errors import PaystackError
from billing_desk.paystack.coerce import counted_amount
from billing_desk.paystack.reviews import ReviewStatus
from billing_desk.timeutil import utcnow

# Review references that are not one Paystack transaction (a request or refund we could not place).
NOT_A_TRANSACTION = ("request:", "refund:")


class ReviewRefused(ValueError):
    """The review cannot be resolved that way; the message is fit to show an administrator."""


@dataclass(frozen=True)
class ReviewAction:
    name: str
    label: str
    possible: Callable  # (review) -> bool
    run: Callable  # (review, actor_id) -> words for the resolution note, or None


def _invoice_of(review):
    return db.session.get(Invoice, review.invoice_id) if review.invoice_id else None


def _is_transaction(review):
    return bool(review.paystack_reference) and not review.paystack_reference.startswith(NOT_A_TRANSACTION)


def _fits(review):
    invoice = _invoice_of(review)
    return (invoice is not None and _is_transaction(review) and review.received_minor
            and review.currency == invoice.currency and is_payable(invoice)
            and review.received_minor <= invoice.balance_due_minor)


def _book(review, actor_id):
    """Book the money as a payment on its invoice, after Paystack confirms the transaction again."""
    try:
        transaction = get_client().verify_transaction(review.paystack_reference)
    except PaystackError as error:
        raise ReviewRefused(f"Paystack could not confirm the payment: {error}") from error
    if str(transaction.get("status")) != "success" or counted_amount(transaction, review.received_minor) \
            != review.received_minor:
        raise ReviewRefused("Paystack does not confirm this payment for this amount; nothing was booked.")
    payment = charges.book_confirmed(review.invoice_id, transaction, review.received_minor, actor_id=actor_id)
    return f"booked as payment {payment.id} of {format_money(payment.amount_minor, payment.currency)}"


def _close_with_note(_review, _actor_id):
    return None


ACTIONS = {
    "book": ReviewAction("book", "Book it as a payment on the invoice (it fits the balance)", _fits, _book),
    "close": ReviewAction("close", "Close with a note (handled outside the desk)", lambda review: True,
                          _close_with_note),
}


def actions_for(review):
    """The actions an administrator may take on this review now, in the table's order."""
    if review.status != ReviewStatus.OPEN:
        return []
    return [action for action in ACTIONS.values() if action.possible(review)]


def resolve_review(review_id, action_name, note, *, actor_id):
    """Run one of `ACTIONS` on an open review and close it with the administrator's note (flushes)."""
    review = db.session.get(PaymentReview, review_id, with_for_update=True, populate_existing=True)
    if review is None:
        raise ReviewRefused("There is no such review.")
    if review.status != ReviewStatus.OPEN:
        raise ReviewRefused("This review is already resolved.")
    action = ACTIONS.get(action_name)
    if action is None or not action.possible(review):
        raise ReviewRefused("That action is not possible for this review.")
    done = action.run(review, actor_id)
    before = audit.snapshot(review, ("status",))
    review.status = ReviewStatus.RESOLVED.value
    review.resolved_at = utcnow()
    review.resolved_by_id = actor_id
    review.resolution_note = " — ".join(part for part in (done, note) if part)
    db.session.flush()
    audit.record("payment_review.resolved", review, before=before, actor_id=actor_id, invoice_id=review.invoice_id,
                 after={**audit.snapshot(review, ("status",)), "action": action.name}, note=review.resolution_note)
    return review
