"""Recording money against an invoice — the one path for cash, transfer and card payments alike."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from billing_desk import audit, integrations
from billing_desk.billing import states
from billing_desk.billing.money import format_money
from billing_desk.extensions import db
from billing_desk.models import Invoice, Payment
from billing_desk.shifts.service import payment_shift_id

PAYMENT_AUDIT_FIELDS = ("status", "amount_paid_minor", "amount_refunded_minor")


class PaymentRefused(ValueError):
    """The payment cannot be taken; the message is fit to show a cashier.

    `field` names the input the refusal is about ("amount", "tendered"), so a form can show it there.
    """

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class PaymentDetails:
    amount_minor: int
    currency: str
    channel: str
    reference: str | None = None
    paystack_reference: str | None = None
    tendered_minor: int | None = None
    received_by_id: int | None = None
    paid_at: datetime | None = None
    submission_key: str | None = None


def lock_invoice(invoice_id):
    """Load an invoice with a row lock so concurrent payments cannot both read the old balance."""
    # `of=Invoice`: PostgreSQL cannot lock the outer-joined patient; populate_existing: an invoice already in
    # the session must show the amounts read under the lock, not what it held before another payment.
    return db.session.execute(
        select(Invoice).where(Invoice.id == invoice_id).with_for_update(of=Invoice)
        .execution_options(populate_existing=True)
    ).scalar_one()


def record_payment(invoice_id, details: PaymentDetails, *, actor_id=None):
    """Add a payment to an invoice, move it to partially paid or paid, and audit it. Flushes; never commits.

    Refuses payments on invoices that are not payable, in another currency, or above the balance due, and
    desk payments without the receiving cashier's open shift when REQUIRE_OPEN_SHIFT is on; the payment
    joins that shift (`billing_desk.shifts`).
    Cash tendered above the amount is allowed: the change is computed and kept on the payment.
    """
    invoice = lock_invoice(invoice_id)
    if states.InvoiceStatus(invoice.status) not in states.PAYABLE:
        raise PaymentRefused(f"This invoice is {states.LABELS[invoice.status].lower()} and cannot take payments.")
    if details.currency != invoice.currency:
        raise PaymentRefused(f"This invoice is in {invoice.currency}; the payment is in {details.currency}.")
    if details.amount_minor <= 0:
        raise PaymentRefused("The amount must be more than zero.", field="amount")
    if details.amount_minor > invoice.balance_due_minor:
        raise PaymentRefused(
            f"The amount is more than the balance due of {format_money(invoice.balance_due_minor, invoice.currency)}.",
            field="amount",
        )
    change = None
    if details.tendered_minor is not None:
        if details.tendered_minor < details.amount_minor:
            raise PaymentRefused("The cash tendered is less than the amount being paid.", field="tendered")
        change = details.tendered_minor - details.amount_minor
    shift_id, shift_required = payment_shift_id(details.channel, details.received_by_id)
    if shift_id is None and shift_required:
        raise PaymentRefused("Open a shift before taking payments.")

    before = audit.snapshot(invoice, PAYMENT_AUDIT_FIELDS)
    payment = Payment(
        invoice_id=invoice.id,
        amount_minor=details.amount_minor,
        currency=details.currency,
        channel=details.channel,
        reference=details.reference,
        paystack_reference=details.paystack_reference,
        tendered_minor=details.tendered_minor,
        change_minor=change,
        received_by_id=details.received_by_id,
        submission_key=details.submission_key,
        shift_id=shift_id,
    )
    if details.paid_at is not None:
        payment.paid_at = details.paid_at
    db.session.add(payment)
    invoice.amount_paid_minor += details.amount_minor
    states.settle(invoice)
    db.session.flush()
    audit.record(
        "payment.recorded",
        payment,
        before=before,
        after={
            **audit.snapshot(invoice, PAYMENT_AUDIT_FIELDS),
            "payment_id": payment.id,
            "amount_minor": payment.amount_minor,
            "currency": payment.currency,
            "channel": payment.channel,
            "reference": payment.reference or payment.paystack_reference,
        },
        actor_id=actor_id,
        invoice_id=invoice.id,
        patient_id=invoice.patient_id,
    )
    integrations.emit("payment.recorded", payment)
    if invoice.status == states.S.PAID:
        integrations.emit("invoice.paid", invoice)
    return payment
