"""The payment review lifecycle: money Paystack took that the desk could not book safely, until someone acts.

    open ──► resolved   (an administrator's action from ACTIONS, audited)

Reviews are opened by the system (`open_review`, once per Paystack reference) and resolved by an
administrator through one of the actions in `review_actions.ACTIONS`.
"""
from enum import StrEnum

from sqlalchemy import func, select

from billing_desk import audit
from billing_desk.extensions import db
from billing_desk.models import PaymentReview


class ReviewStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


TRANSITIONS = {ReviewStatus.OPEN: {ReviewStatus.RESOLVED}, ReviewStatus.RESOLVED: set()}
LABELS = {ReviewStatus.OPEN: "Waiting for an administrator", ReviewStatus.RESOLVED: "Resolved"}
KINDS = {
    "amount_mismatch": "Amount differs from the request",
    "currency_mismatch": "Currency differs from the request",
    "overpayment": "More than the invoice owed, or the invoice could not take it",
    "unknown_reference": "Not linked to any invoice",
}


def review_for_reference(reference):
    return db.session.scalar(select(PaymentReview).where(PaymentReview.paystack_reference == reference))


def open_reviews_of(invoice_id):
    return db.session.scalars(
        select(PaymentReview).where(PaymentReview.invoice_id == invoice_id, PaymentReview.status == ReviewStatus.OPEN)
        .order_by(PaymentReview.id)
    ).all()


def open_review_total(invoice_id):
    """Money (minor units) received for this invoice that waits in open reviews."""
    return db.session.scalar(
        select(func.coalesce(func.sum(PaymentReview.received_minor), 0)).where(
            PaymentReview.invoice_id == invoice_id, PaymentReview.status == ReviewStatus.OPEN)
    )


def open_review(kind, reference, *, detail, invoice_id=None, expected=None, received=None, currency=None,
                event_id=None):
    """Put money up for an administrator, once per reference (a second flag for it returns the first)."""
    existing = review_for_reference(reference) if reference else None
    if existing is not None:
        return existing
    review = PaymentReview(kind=kind, paystack_reference=reference, invoice_id=invoice_id, expected_minor=expected,
                           received_minor=received, currency=currency, webhook_event_id=event_id, detail=detail,
                           status=ReviewStatus.OPEN.value)
    db.session.add(review)
    db.session.flush()
    audit.record("payment_review.opened", review, actor_id=audit.SYSTEM, invoice_id=invoice_id, note=detail,
                 after={"kind": kind, "reference": reference, "expected_minor": expected,
                        "received_minor": received, "currency": currency})
    return review
