"""Desk actions on payments: taking cash or a transfer, and printing receipts. They flush; the view commits."""
from sqlalchemy import select, update

from billing_desk import audit
from billing_desk.billing.locks import lock_invoice
from billing_desk.billing.payments import record_payment
from billing_desk.extensions import db
from billing_desk.models import Payment
from billing_desk.notifications import outbox


def take_desk_payment(invoice_id, details, *, actor_id, require_open_shift):
    """Record a desk payment and queue its receipt email. Returns (payment, receipt email row or None, new).

    A repeated submission (same `details.submission_key`) returns the payment the first one made, with
    `new` False. The invoice is locked before looking, so a double click that arrives while the first
    request is still saving waits for it and then finds its payment.
    `require_open_shift` is the desk's shift policy (see `record_payment`).
    Raises `PaymentRefused` with a message for the cashier.
    """
    lock_invoice(invoice_id)
    if details.submission_key:
        existing = db.session.scalars(select(Payment).where(Payment.submission_key == details.submission_key)).first()
        if existing is not None:
            return existing, None, False
    payment = record_payment(invoice_id, details, actor_id=actor_id, require_open_shift=require_open_shift)
    return payment, outbox.queue_receipt_email(payment), True


def count_receipt_print(payment, *, paper, actor_id):
    """Count one more desk print of a payment's receipt and audit it; returns this print's copy number.

    The increment is one UPDATE in SQL, so two desks printing at once get different copy numbers.
    """
    copy_number = db.session.execute(
        update(Payment).where(Payment.id == payment.id)
        .values(receipt_print_count=Payment.receipt_print_count + 1)
        .returning(Payment.receipt_print_count)
    ).scalar_one()
    audit.record(
        "receipt.printed", payment, before={"receipt_print_count": copy_number - 1},
        after={"receipt_print_count": copy_number, "paper": paper}, actor_id=actor_id,
        invoice_id=payment.invoice_id, patient_id=payment.invoice.patient_id,
    )
    return copy_number
