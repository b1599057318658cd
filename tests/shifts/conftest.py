"""Helpers for shift tests: money taken through `record_payment`, shifts opened through the service, and the
real Paystack sandbox for the Z report's card cross-check (every app here talks to it, never to Paystack)."""
from datetime import timedelta

import pytest
from flask import current_app

from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.models import Terminal
from billing_desk.shifts import service
from tests.factories import make_issued_invoice, make_staff
from tests.devtools.sandbox.running import DESK_1, paystack_sandbox, sandbox_session  # noqa: F401  (fixtures)


def take(staff, amount_minor, channel="cash", *, tendered_minor=None, terminal=None, reference=None):
    """One payment of `amount_minor` on a fresh invoice of exactly that amount, received by `staff`."""
    invoice = make_issued_invoice(lines=((amount_minor, 1),))
    payment = record_payment(invoice.id, PaymentDetails(
        amount_minor, "NGN", channel, tendered_minor=tendered_minor, paystack_reference=reference,
        received_by_id=staff.id if staff else None,
    ), actor_id=staff.id if staff else None, require_open_shift=current_app.config["REQUIRE_OPEN_SHIFT"])
    if terminal is not None:
        payment.terminal_id = terminal.id
    db.session.commit()
    return payment


def open_for(staff, float_minor=2_000_000, *, before_card_payments=False):
    """`before_card_payments`: opened a minute ago, so card payments taken now at the sandbox fall inside the
    shift's hours — the sandbox dates a POS transaction 20 s before its approval (Paystack's `created_at` is
    when the terminal started it), and the card check lists transactions by that date."""
    shift = service.open_shift(staff.id, float_minor, currency="NGN")
    if before_card_payments:
        shift.opened_at -= timedelta(minutes=1)
    db.session.commit()
    return shift


@pytest.fixture
def app_config(app_config, paystack_sandbox):
    return {**app_config, **paystack_sandbox.app_config()}


@pytest.fixture
def other_cashier(app):
    return make_staff(role="cashier", email="other@example.org", full_name="Olu Other")


@pytest.fixture
def terminal(app):
    terminal = Terminal(terminal_id=DESK_1, name="Front desk", desk="Desk 1")
    db.session.add(terminal)
    db.session.commit()
    return terminal
