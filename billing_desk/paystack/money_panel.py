"""Where an invoice's money is, for the cashier's invoice page: live request, last terminal push, open reviews."""
from billing_desk.paystack import payment_requests as requests_
from billing_desk.paystack import pushes, reviews


def money_panel(invoice):
    """The panel's data (loaded by the view, so the template only shows it); None for a draft."""
    if invoice.number is None:
        return None
    latest = requests_.latest_request(invoice.id)
    push = pushes.last_push_of_invoice(invoice.id)
    open_reviews = reviews.open_reviews_of(invoice.id)
    return {
        "request": latest,
        "request_words": requests_.label(latest.status) if latest else None,
        "pay_link_words": _pay_link_words(invoice, latest),
        "push": push,
        "push_words": pushes.label(push.status) if push else None,
        "reviews": [(review, reviews.KINDS.get(review.kind, review.kind)) for review in open_reviews],
        "in_review_minor": sum(review.received_minor or 0 for review in open_reviews),
    }


def _pay_link_words(invoice, latest):
    """What the patient's emailed link does right now, in words."""
    if latest is not None and latest.status == requests_.R.PENDING and requests_.fits(latest, invoice):
        return "Pays this request for the balance due."
    if invoice.balance_due_minor > 0 and latest is not None and latest.status in requests_.OPEN:
        return "The balance changed: the old request is being withdrawn; the link makes a new one when pressed."
    if invoice.balance_due_minor > 0:
        return "Makes a request for the balance due when the patient presses Pay."
    return "Tells the patient the invoice is settled; nothing can be paid on it."
