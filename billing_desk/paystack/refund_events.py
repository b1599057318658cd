"""`refund.*` events: move our card refund forward; `processed` takes the money off the invoice."""
from sqlalchemy import select

from billing_desk.billing import refunds as refund_service
from billing_desk.extensions import db
from billing_desk.models import Payment, Refund
from billing_desk.paystack import reviews
from billing_desk.paystack.charges import payment_for_reference
from billing_desk.paystack.coerce import as_int
from billing_desk.paystack.outcomes import DUPLICATE, IGNORED, REFUND, REVIEW, Outcome

ERRORS = {
    refund_service.FAILED: "Paystack could not refund; the money stays with the hospital.",
    refund_service.NEEDS_ATTENTION: "Paystack needs the patient's bank details to complete this refund.",
}


def handle_refund(event_name, data, event_id=None):
    status = event_name.removeprefix("refund.")
    if status not in refund_service.STATUS_RANK:
        return Outcome(IGNORED, f"refund status {status}")
    reference = str(data.get("transaction_reference") or "")
    amount = as_int(data.get("amount"))
    refund = find_refund(reference, amount, status, paystack_refund_id=as_int(data.get("id")))
    if refund is None:
        payment = payment_for_reference(reference) if reference else None
        reviews.open_review(
            "unknown_reference", f"refund:{reference}:{amount}", received=amount, currency=data.get("currency"),
            invoice_id=payment.invoice_id if payment else None, event_id=event_id,
            detail=f"Paystack reports a {status} refund of {amount} minor units on transaction {reference or '?'}"
                   " that the desk did not request.",
        )
        return Outcome(REVIEW, "unknown refund")
    changed = refund_service.advance_status(refund, status, refund_reference=data.get("refund_reference"),
                                            error=ERRORS.get(status))
    return Outcome(REFUND if changed else DUPLICATE, f"refund {refund.id} {refund.status}")


def find_refund(transaction_reference, amount, status, *, paystack_refund_id=None):
    """Our card refund an event is about: by Paystack refund id, else by transaction reference and amount.

    With several partial refunds of one transaction, the oldest that can still move to `status` wins, so
    identical partial refunds are matched one by one.
    """
    if paystack_refund_id is not None:
        found = db.session.scalar(select(Refund).where(Refund.paystack_refund_id == paystack_refund_id))
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
