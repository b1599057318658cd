"""Helpers for shift tests: money taken through `record_payment`, shifts opened through the service."""
import pytest

from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.models import Terminal
from billing_desk.shifts import service
from tests.factories import make_issued_invoice, make_staff


def take(staff, amount_minor, channel="cash", *, tendered_minor=None, terminal=None, reference=None):
    """One payment of `amount_minor` on a fresh invoice of exactly that amount, received by `staff`."""
    invoice = make_issued_invoice(lines=((amount_minor, 1),))
    payment = record_payment(invoice.id, PaymentDetails(
        amount_minor, "NGN", channel, tendered_minor=tendered_minor, paystack_reference=reference,
        received_by_id=staff.id if staff else None,
    ), actor_id=staff.id if staff else None)
    if terminal is not None:
        payment.terminal_id = terminal.id
    db.session.commit()
    return payment


def open_for(staff, float_minor=2_000_000):
    shift = service.open_shift(staff.id, float_minor, currency="NGN")
    db.session.commit()
    return shift


@pytest.fixture
def other_cashier(app):
    return make_staff(role="cashier", email="other@example.org", full_name="Olu Other")


@pytest.fixture
def terminal(app):
    terminal = Terminal(terminal_id="2232WE17", name="Front desk", desk="Desk 1")
    db.session.add(terminal)
    db.session.commit()
    return terminal


class FakePaystack:
    """Stands in for the Paystack client: `transactions` per terminal code, or `down` to fail every call."""

    def __init__(self, transactions=None, down=False):
        self.transactions = transactions or {}
        self.down = down
        self.calls = []

    def list_transactions(self, **filters):
        from billing_desk.paystack.client import PaystackUnavailable

        self.calls.append(filters)
        if self.down:
            raise PaystackUnavailable("Paystack did not answer")
        items = [{"reference": ref, "amount": amount, "status": "success"}
                 for ref, amount in self.transactions.get(filters["terminal_id"], {}).items()]
        return items, {"pageCount": 1}


@pytest.fixture
def paystack(monkeypatch):
    fake = FakePaystack()
    monkeypatch.setattr("billing_desk.shifts.terminal_check.get_client", lambda: fake)
    return fake
