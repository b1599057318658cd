"""What applying a Paystack event did, saved on `WebhookEvent.outcome`."""
from dataclasses import dataclass

PAID = "paid"  # a payment was recorded
DUPLICATE = "duplicate"  # the payment (or refund status) was already there
WAITING = "waiting"  # a charge we cannot link yet; the sweep looks again after a grace period
REVIEW = "review"  # money put up for an administrator (PaymentReview)
PENDING = "pending"  # the request is still pending at Paystack
REFUND = "refund_updated"
IGNORED = "ignored"  # not an event the desk acts on
# When one verification does several things, the outcome reported is the most significant one.
SIGNIFICANCE = (REVIEW, PAID, DUPLICATE)


@dataclass(frozen=True)
class Outcome:
    name: str
    detail: str | None = None


def most_significant(outcomes):
    for name in SIGNIFICANCE:
        for outcome in outcomes:
            if outcome.name == name:
                return outcome
    return outcomes[0]
