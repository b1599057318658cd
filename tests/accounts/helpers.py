"""Helpers for the account tests: the desk's account forms submitted as a browser would."""
import uuid

from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import AccountEntry


def take_deposit(client, patient, amount="50000", channel="cash", reference="", currency="NGN", key=None):
    return client.post_form(f"/patients/{patient.id}/account/deposits", prefixed("deposit", {
        "amount": amount, "channel": channel, "reference": reference, "currency": currency,
        "submission_key": key or uuid.uuid4().hex,
    }))


def pay_from_deposit(client, invoice, amount, key=None):
    return client.post_form(f"/invoices/{invoice.id}/from-deposit", prefixed("from_deposit", {
        "amount": amount, "submission_key": key or uuid.uuid4().hex}))


def refund_from_account(client, patient, amount, reason="Discharged early", channel="cash", **extra):
    return client.post_form(f"/patients/{patient.id}/account/refunds", prefixed("refund", {
        "amount": amount, "channel": channel, "currency": "NGN", "reason": reason,
        "submission_key": uuid.uuid4().hex, **extra}))


def prefixed(prefix, fields):
    """The account forms name their fields `deposit-…`, `refund-…`, `from_deposit-…`."""
    return {f"{prefix}-{name}": value for name, value in fields.items()}


def entries_of(patient):
    return db.session.scalars(select(AccountEntry).where(AccountEntry.patient_id == patient.id)
                              .order_by(AccountEntry.id)).all()
