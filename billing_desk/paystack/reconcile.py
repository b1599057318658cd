"""Daily reconciliation: the desk's card payments against Paystack's successful transactions for one day.

First every payment request of that day still `pending` here is verified and applied (as the sweep does,
without its age limits), so a lost webhook is booked; then the two lists are compared and every
difference is reported in words. Reconciliation books nothing beyond what verify proves.
"""
from dataclasses import dataclass, field

from sqlalchemy import select

from billing_desk.billing.money import CURRENCIES, format_money
from billing_desk.extensions import db
from billing_desk.models import Payment, PaymentReview, Refund
from billing_desk.paystack import sweep
from billing_desk.paystack.charges import payment_for_reference
from billing_desk.paystack.client import get_client
from billing_desk.paystack.coerce import as_int
from billing_desk.paystack.errors import PaystackNotFound, PaystackRejected
from billing_desk.timeutil import days_span_utc

PER_PAGE = 100
MAX_PAGES = 50  # 5,000 transactions a day is far beyond one hospital's terminals


@dataclass(frozen=True)
class Difference:
    """One thing that differs, and what an administrator should do about it."""

    reference: str
    detail: str
    action: str

    def __str__(self):
        return f"{self.reference}: {self.detail}"


UNRECORDED_ACTION = ("Find the invoice this payment was for (the webhook events page lists the reference) and "
                     "record it; if no invoice matches, refund it from Paystack's dashboard.")
REVIEW_ACTION = "Decide payment review #{id} on the payment reviews page."
AMOUNT_ACTION = ("Compare the amount with Paystack's dashboard; take the difference at the desk or refund it, "
                 "and note why in the invoice's audit log.")
MISSING_ACTION = ("Ask Paystack about this reference; if the card was never charged, refund or reverse the desk "
                  "payment so the invoice shows the balance again.")


@dataclass
class Reconciliation:
    day: object
    sweep: sweep.SweepReport
    ours: int = 0
    theirs: int = 0
    differences: list = field(default_factory=list)

    @property
    def clean(self):
        return not self.differences and not self.sweep.errors


def _paystack_time(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def paystack_transactions(start, end):
    """Paystack's successful transactions in [start, end), keyed by reference (all pages)."""
    found = {}
    for page in range(1, MAX_PAGES + 1):
        items, meta = get_client().list_transactions(
            **{"from": _paystack_time(start), "to": _paystack_time(end), "status": "success",
               "perPage": PER_PAGE, "page": page}
        )
        for item in items:
            if item.get("reference"):
                found[str(item["reference"])] = item
        page_count = as_int((meta or {}).get("pageCount")) or 1
        if page >= page_count or not items:
            break
    return found


def _has_processed_refund(payment):
    return db.session.execute(
        select(Refund.id).where(Refund.payment_id == payment.id, Refund.status == "processed")
    ).first() is not None


def _money(minor, currency):
    """An amount in words for a person ("₦12,000.00"); what Paystack sent as is when it is not a known amount."""
    if isinstance(minor, int) and currency in CURRENCIES:
        return format_money(minor, currency)
    return f"{minor} {currency or '(no currency)'}"


def reconcile_day(day, zone=None):
    """Reconcile the hospital's day `day` (local midnight to midnight in `zone`, default `TIMEZONE`)."""
    start, end = days_span_utc(day, day, zone)
    report = sweep.SweepReport()
    sweep.verify_pending_requests(report, created_from=start, created_to=end, batch=10_000)
    result = Reconciliation(day=day, sweep=report)

    ours = {
        p.paystack_reference: p
        for p in db.session.execute(
            select(Payment).where(
                Payment.paystack_reference.is_not(None), Payment.paid_at >= start, Payment.paid_at < end
            )
        ).scalars()
    }
    theirs = paystack_transactions(start, end)
    result.ours, result.theirs = len(ours), len(theirs)

    for reference, transaction in sorted(theirs.items()):
        amount = as_int(transaction.get("amount"))
        payment = ours.get(reference) or payment_for_reference(reference)
        if payment is None:
            review = db.session.execute(
                select(PaymentReview).where(PaymentReview.paystack_reference == reference)
            ).scalar()
            state = f"under review #{review.id} ({review.kind}, {review.status})" if review else "NOT RECORDED"
            action = REVIEW_ACTION.format(id=review.id) if review else UNRECORDED_ACTION
            result.differences.append(
                Difference(reference, f"Paystack {_money(amount, transaction.get('currency'))} — desk: {state}", action)
            )
        elif payment.amount_minor != amount and payment.amount_minor != as_int(transaction.get("requested_amount")):
            result.differences.append(Difference(
                reference, f"Paystack {_money(amount, transaction.get('currency'))} — desk "
                f"{_money(payment.amount_minor, payment.currency)} (payment {payment.id}, invoice {payment.invoice.number})",
                AMOUNT_ACTION,
            ))
    for reference, payment in sorted(ours.items()):
        if reference in theirs:
            continue
        # Listed on another day at Paystack (time-zone edge) is fine; unknown or unsuccessful is not.
        try:
            verified = get_client().verify_transaction(reference)
        except (PaystackNotFound, PaystackRejected) as error:  # unknown references come as 404 or 400
            verified = {"status": f"not found ({error})"}
        if verified.get("status") == "reversed" and _has_processed_refund(payment):
            continue
        if verified.get("status") != "success":
            result.differences.append(Difference(
                reference, f"desk {_money(payment.amount_minor, payment.currency)} (payment {payment.id}, "
                f"invoice {payment.invoice.number}) — Paystack: {verified.get('status')}", MISSING_ACTION,
            ))
    db.session.rollback()
    return result
