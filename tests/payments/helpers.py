"""Helpers for the desk payment tests."""
import uuid

from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import Payment


def pay_at_desk(client, invoice, amount="5000", channel="cash", tendered="", reference="", key=None):
    """Submit the desk payment form as a browser would: with its CSRF token and a fresh submission key."""
    return client.post_form(f"/invoices/{invoice.id}/payments", {
        "channel": channel, "amount": amount, "tendered": tendered, "reference": reference,
        "submission_key": key or uuid.uuid4().hex,
    })


def payments_of(invoice):
    return db.session.scalars(select(Payment).where(Payment.invoice_id == invoice.id).order_by(Payment.id)).all()
