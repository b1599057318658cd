"""One payable request per invoice, for its balance: withdrawal after money changes, ended pushes, busy
terminals and stale pendings — against the sandbox over loopback HTTP (jobs inline, as without Redis)."""
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.jobs.after_commit import commit
from billing_desk.models import Invoice, PaymentRequest, TerminalPush
from billing_desk.paystack import creation, sweep, terminal_pushes
from billing_desk.paystack.client import get_client
from billing_desk.paystack.errors import PaystackServerError, PaystackUnavailable
from billing_desk.paystack.money_panel import money_panel
from billing_desk.timeutil import utcnow
from tests.factories import make_issued_invoice, make_patient
from tests.paystack.webhook_fixtures import (  # noqa: F401  (fixtures)
    TERMINAL_CODE,
    Sandbox,
    live_config,
    make_terminal,
    queue_prefix,
    sandbox_server,
)

pytestmark = pytest.mark.integration
OTHER_TERMINAL = "3911QX42"


@pytest.fixture
def app_config(app_config, live_config):
    return {**app_config, **live_config, "REDIS_URL": None, "PAYSTACK_RETRY_BACKOFF": 0.01,
            "PATIENT_EMAIL_DOMAIN": "patients.example.org"}


@pytest.fixture
def sandbox(sandbox_server):
    return Sandbox(sandbox_server.base_url)


@pytest.fixture
def invoice(app):
    return make_issued_invoice(make_patient(email="ada@example.org"), lines=((1_000_000, 1),))


def archived_at_paystack(sandbox, code):
    return next(r for r in sandbox.state()["payment_requests"] if r["request_code"] == code)["archived"]


def test_cash_after_a_request_withdraws_it_after_the_commit(app, sandbox, invoice, cashier):
    old = creation.ensure_payment_request(invoice.id)
    record_payment(invoice.id, PaymentDetails(300_000, "NGN", "cash", received_by_id=cashier.id),
                   actor_id=cashier.id)
    assert db.session.get(PaymentRequest, old.id).status == "pending"  # nothing happens before the commit
    commit()
    assert db.session.get(PaymentRequest, old.id).status == "archived"
    assert archived_at_paystack(sandbox, old.request_code)
    fresh = creation.ensure_payment_request(invoice.id)
    assert (fresh.amount_minor, fresh.status) == (700_000, "pending")


def test_a_failed_withdrawal_is_retried_by_the_sweep(app, sandbox, invoice, cashier):
    old = creation.ensure_payment_request(invoice.id)
    sandbox.faults(fail_next=100)
    record_payment(invoice.id, PaymentDetails(300_000, "NGN", "cash"), actor_id=cashier.id)
    commit()  # the withdrawal job fails (logged); the cash is kept
    assert db.session.get(PaymentRequest, old.id).status == "pending"
    sandbox.faults(fail_next=0)
    report = sweep.SweepReport()
    sweep.withdraw_stale_requests(report)
    assert report.withdrawn == 1 and db.session.get(PaymentRequest, old.id).status == "archived"


def test_an_expired_push_leaves_the_terminal_so_a_late_tap_cannot_charge(app, sandbox, invoice, cashier):
    push = terminal_pushes.push_to_terminal(invoice.id, make_terminal().id, cashier.id)
    push.expires_at = utcnow() - timedelta(seconds=1)
    commit()
    sweep.expire_pushes(sweep.SweepReport())  # commits, then withdraws the request (inline here)
    push = db.session.get(TerminalPush, push.id)
    assert push.status == "expired" and push.payment_request.status == "archived"
    late = requests.post(f"{sandbox.base_url}/_sandbox/terminals/{TERMINAL_CODE}/approve", json={}, timeout=10)
    assert late.status_code >= 400
    assert db.session.get(Invoice, invoice.id).amount_paid_minor == 0
    panel = money_panel(db.session.get(Invoice, invoice.id))
    assert panel["push_words"].startswith("Timed out") and panel["request_words"].startswith("Withdrawn")


def test_a_busy_terminal_makes_no_request_and_another_terminal_charges_at_once(app, sandbox, invoice, cashier):
    busy, other = make_terminal(), make_terminal(OTHER_TERMINAL, name="Desk 2")
    sandbox.control(f"/terminals/{TERMINAL_CODE}/state", {"available": False})
    with pytest.raises(terminal_pushes.TerminalUnavailable, match="busy"):
        terminal_pushes.push_to_terminal(invoice.id, busy.id, cashier.id)
    db.session.rollback()
    assert db.session.scalars(select(PaymentRequest)).all() == []  # nothing left `creating`
    push = terminal_pushes.push_to_terminal(invoice.id, other.id, cashier.id)
    assert push.status == "sent" and push.payment_request.status == "pending"


def test_stale_pendings_are_verified_then_expired(app, sandbox, invoice):
    old = creation.ensure_payment_request(invoice.id)
    old.created_at = utcnow() - timedelta(hours=25)
    commit()
    report = sweep.SweepReport()
    sweep.expire_stale_requests(report)
    assert report.requests_expired == 1
    assert db.session.get(PaymentRequest, old.id).status == "expired"
    assert archived_at_paystack(sandbox, old.request_code)
    assert money_panel(db.session.get(Invoice, invoice.id))["request_words"] == "Expired — not paid in time"


def test_paystack_answering_with_an_error_is_told_apart_from_not_answering(app, sandbox):
    sandbox.faults(fail_next=100)
    with pytest.raises(PaystackServerError, match="answered with an error"):
        get_client().list_terminals()
    app.config["PAYSTACK_BASE_URL"] = "http://127.0.0.1:9"
    with pytest.raises(PaystackUnavailable, match="not answering") as raised:
        get_client().list_terminals()
    assert not isinstance(raised.value, PaystackServerError)
