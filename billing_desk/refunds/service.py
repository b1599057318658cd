"""Resolving payment reviews: an administrator says what was done; the review closes and is audited."""
from billing_desk import audit
from billing_desk.extensions import db
from billing_desk.models import PaymentReview
from billing_desk.timeutil import utcnow

REVIEW_KINDS = {
    "amount_mismatch": "Amount differs from the request",
    "currency_mismatch": "Currency differs from the request",
    "overpayment": "Invoice could not take the payment",
    "unknown_reference": "Not linked to any invoice",
}


class ReviewRefused(ValueError):
    """The review cannot be resolved; the message is fit to show an administrator."""


def resolve_review(review_id, note, *, actor_id):
    """Close a review with the administrator's note (flushes; never commits)."""
    review = db.session.get(PaymentReview, review_id, with_for_update=True)
    if review is None:
        raise ReviewRefused("There is no such review.")
    if review.status != "open":
        raise ReviewRefused("This review is already resolved.")
    before = audit.snapshot(review, ("status",))
    review.status = "resolved"
    review.resolved_at = utcnow()
    review.resolved_by_id = actor_id
    review.resolution_note = note
    db.session.flush()
    audit.record(
        "payment_review.resolved", review, before=before, after=audit.snapshot(review, ("status",)),
        actor_id=actor_id, invoice_id=review.invoice_id, note=note,
    )
    return review
