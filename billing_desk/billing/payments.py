"""Recording money against an invoice — the one path for cash, transfer and card payments alike."""
from dataclasses import dataclass
from datetime import datetime

from billing_desk import audit, integrations
from billing_desk.billing import states
from billing_desk.billing.money import format_money
from billing_desk.billing.locks import lock_invoice
from billing_desk.extensions import db
from billing_desk.models import Payment
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


def record_payment(invoice_id, details: PaymentDetails, *, actor_id=audit.SYSTEM, require_open_shift=False):
    """Add a payment to an invoice, move it to partially paid or paid, and audit it. Flushes; never commits.

    `actor_id` is who records it (`audit.SYSTEM`, the default, for webhooks and jobs). Refuses payments on invoices that are
    not payable, in another currency, or above the balance due, and — with the `require_open_shift` policy
    (the desk passes its REQUIRE_OPEN_SHIFT setting) — desk payments without the receiving cashier's open
    shift; the payment joins that shift (`billing_desk.shifts`).
    Cash tendered above the amount is allowed: the change is computed and kept on the payment.
    """
    invoice = lock_invoice(invoice_id)
    _check_amount(invoice, details)
    shift_id, shift_required = payment_shift_id(details.channel, details.received_by_id, require_open_shift)
    if shift_id is None and shift_required:
        raise PaymentRefused("Open a shift before taking payments.")
    before = audit.snapshot(invoice, PAYMENT_AUDIT_FIELDS)
    payment = Payment(
        invoice_id=invoice.id, amount_minor=details.amount_minor, currency=details.currency, channel=details.channel,
        reference=details.reference, paystack_reference=details.paystack_reference,
        tendered_minor=details.tendered_minor, change_minor=_change(details), received_by_id=details.received_by_id,
        submission_key=details.submission_key, shift_id=shift_id,
    )
    if details.paid_at is not None:
        payment.paid_at = details.paid_at
    db.session.add(payment)
    invoice.amount_paid_minor += details.amount_minor
    states.settle(invoice)
    db.session.flush()
    audit.record("payment.recorded", payment, before=before, actor_id=actor_id, invoice_id=invoice.id,
                 patient_id=invoice.patient_id, after={
                     **audit.snapshot(invoice, PAYMENT_AUDIT_FIELDS), "payment_id": payment.id,
                     "amount_minor": payment.amount_minor, "currency": payment.currency, "channel": payment.channel,
                     "reference": payment.reference or payment.paystack_reference,
                 })
    integrations.emit("payment.recorded", payment)
    if invoice.status == states.S.PAID:
        integrations.emit("invoice.paid", invoice)
    return payment


def _check_amount(invoice, details):
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
    if details.tendered_minor is not None and details.tendered_minor < details.amount_minor:
        raise PaymentRefused("The cash tendered is less than the amount being paid.", field="tendered")


def _change(details):
    """Cash tendered above the amount: the change given back (None when nothing was tendered)."""
    return None if details.tendered_minor is None else details.tendered_minor - details.amount_minor
