"""Deposits at the desk: taking one, spending it on an invoice ("from deposit"), refunding what is left.

Spending goes through `payments.service.take_desk_payment` → `billing.payments.record_payment`, the path every
other channel takes, with the channel "deposit"; the account entry points at the payment it became. The
patient's row is locked before the invoice's (`ledger.lock_account`), the same order everywhere, so two
desks spending one deposit queue behind each other. Services flush; the view commits.
"""
from flask import current_app
from sqlalchemy import select

from billing_desk.accounts import ledger
from billing_desk.billing.payments import PaymentDetails, PaymentRefused
from billing_desk.extensions import db
from billing_desk.models import AccountEntry, Invoice
from billing_desk.payments.service import take_desk_payment
from billing_desk.shifts.service import payment_shift_id

DESK_CHANNELS = ("cash", "transfer")
FROM_DEPOSIT = "deposit"


def _earlier(submission_key):
    if not submission_key:
        return None
    return db.session.scalars(select(AccountEntry).where(AccountEntry.submission_key == submission_key)).first()


def _desk_fields(channel, reference, actor_id):
    """Channel, reference and shift for money that changes hands at the desk (in or out)."""
    if channel not in DESK_CHANNELS:
        raise ledger.AccountRefused("Choose cash or bank transfer.")
    reference = (reference or "").strip() or None
    if channel == "transfer" and not reference:
        raise ledger.AccountRefused("Enter the bank transfer's reference.")
    shift_id, required = payment_shift_id(channel, actor_id, current_app.config["REQUIRE_OPEN_SHIFT"])
    if shift_id is None and required:
        raise ledger.AccountRefused("Open a shift before taking or giving back money at the desk.")
    return {"channel": channel, "reference": reference if channel == "transfer" else None, "shift_id": shift_id}


def take_deposit(patient_id, amount_minor, currency, *, channel, reference=None, actor_id, submission_key=None):
    """Money paid in ahead of treatment. Returns (entry, new): a repeated submission finds the first entry."""
    earlier = _earlier(submission_key)
    if earlier is not None:
        return earlier, False
    fields = _desk_fields(channel, reference, actor_id)
    entry = ledger.put(patient_id, ledger.DEPOSIT, amount_minor, currency, actor_id=actor_id,
                       submission_key=submission_key, **fields)
    return entry, True


def apply_to_invoice(invoice_id, amount_minor, *, actor_id, submission_key=None):
    """Pay part or all of an invoice from what is left on the patient's account.

    Returns (payment, receipt email row or None, new). Raises `PaymentRefused` (the invoice cannot take it)
    or `ledger.AccountRefused` (not that much left); the caller rolls back.
    """
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        raise PaymentRefused("There is no such invoice.")
    ledger.lock_account(invoice.patient_id)
    ledger.ensure_left(invoice.patient_id, amount_minor, invoice.currency)
    details = PaymentDetails(amount_minor=amount_minor, currency=invoice.currency, channel=FROM_DEPOSIT,
                             received_by_id=actor_id, submission_key=submission_key)
    payment, email, new = take_desk_payment(invoice.id, details, actor_id=actor_id, require_open_shift=False)
    if new:
        ledger.take(invoice.patient_id, ledger.APPLIED, payment.amount_minor, payment.currency, actor_id=actor_id,
                    payment_id=payment.id, note=f"Invoice {invoice.number}")
    return payment, email, new


def refund_unused(patient_id, amount_minor, currency, *, channel, reason, reference=None, actor_id,
                  approval_id=None, submission_key=None):
    """Give back money left on the account. Returns (entry, new)."""
    earlier = _earlier(submission_key)
    if earlier is not None:
        return earlier, False
    reason = (reason or "").strip()
    if not reason:
        raise ledger.AccountRefused("Give a reason for the refund.")
    fields = _desk_fields(channel, reference, actor_id)
    entry = ledger.take(patient_id, ledger.REFUND, amount_minor, currency, actor_id=actor_id, note=reason,
                        approval_id=approval_id, submission_key=submission_key, **fields)
    return entry, True


def left_for(invoice):
    """What the invoice's patient has left on account in the invoice's currency (for the invoice page)."""
    return ledger.balance_minor(invoice.patient_id, invoice.currency)
