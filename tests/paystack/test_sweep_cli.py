"""`flask sweep` and `flask paystack reconcile` against the sandbox (no worker needed: nothing is queued)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.jobs.cli import sweep_command
from billing_desk.models import Invoice, Payment, TerminalPush
from billing_desk.paystack.cli import paystack_cli
from tests.factories import hospital_today, make_issued_invoice
from tests.paystack.webhook_fixtures import (  # noqa: F401  (fixtures)
    live,
    live_config,
    make_payment_request,
    make_terminal,
    queue_prefix,
    sandbox_server,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def app_config(app_config, live_config):
    return {**app_config, **live_config}


@pytest.fixture
def lost_payment(live, app, admin):
    """A terminal payment whose webhooks were all lost."""
    from billing_desk.paystack.terminal_pushes import push_to_terminal

    invoice = make_issued_invoice(lines=((750000, 1),))
    push_to_terminal(invoice.id, make_terminal().id, admin.id)
    db.session.commit()
    live.faults(drop_delivery_next=2)
    live.approve()
    live.wait()
    return invoice


def test_sweep_once_books_a_lost_payment_and_expires_old_pushes(app, lost_payment):
    stale = make_issued_invoice(lines=((100000, 1),))
    stale_request = make_payment_request(stale, status="failed")
    push = db.session.scalars(select(TerminalPush)).one()
    db.session.add(TerminalPush(invoice_id=stale.id, payment_request_id=stale_request.id,
                                terminal_id=push.terminal_id, status="sent",
                                expires_at=push.created_at - timedelta(minutes=1)))
    db.session.commit()
    result = app.test_cli_runner().invoke(sweep_command, [])
    assert result.exit_code == 0, result.output
    assert "verified 1 requests (1 paid" in result.output and "expired 1 pushes" in result.output
    assert db.session.get(Invoice, lost_payment.id).status == "paid"
    assert sorted(p.status for p in db.session.scalars(select(TerminalPush))) == ["expired", "paid"]


def test_reconcile_books_what_was_missed_then_finds_no_differences(app, lost_payment):
    runner = app.test_cli_runner()
    today = hospital_today().isoformat()
    first = runner.invoke(paystack_cli, ["reconcile", "--date", today])
    assert first.exit_code == 0, first.output
    assert "1 paid now" in first.output and "no differences" in first.output
    assert db.session.scalars(select(Payment)).one().amount_minor == 750000
    second = runner.invoke(paystack_cli, ["reconcile", "--date", today])
    assert "0 paid now" in second.output and "desk 1, Paystack 1" in second.output


def test_reconcile_reports_a_payment_paystack_does_not_know(app, lost_payment):
    from billing_desk.billing.payments import PaymentDetails, record_payment

    other = make_issued_invoice(lines=((5000, 1),))
    record_payment(other.id, PaymentDetails(amount_minor=5000, currency="NGN", channel="card_terminal",
                                            paystack_reference="pos_nowhere"), actor_id=None)
    db.session.commit()
    result = app.test_cli_runner().invoke(paystack_cli, ["reconcile", "--date", hospital_today().isoformat()])
    assert result.exit_code == 1
    assert "pos_nowhere" in result.output and "not found" in result.output


def test_reconcile_needs_a_date(app):
    result = app.test_cli_runner().invoke(paystack_cli, ["reconcile", "--date", "20-11-2026"])
    assert result.exit_code == 2
