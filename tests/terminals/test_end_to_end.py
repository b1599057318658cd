"""End to end, nothing mocked: Charge on terminal → the sandbox's virtual terminal is approved through its HTTP
control API → signed webhooks reach this app served on loopback → applied (inline, or by an RQ worker on the
real Redis) → the waiting screen's status JSON says paid.
"""
import re

import pytest

from billing_desk.extensions import db
from billing_desk.models import Invoice, Payment
from tests.factories import make_issued_invoice
from tests.paystack.webhook_fixtures import REDIS_URL, LiveServer, clean_queues, run_worker
from tests.terminals.conftest import DESK_1, text_of

pytestmark = pytest.mark.integration


@pytest.fixture(params=["inline jobs", "rq worker"])
def jobs(request):
    return request.param


@pytest.fixture
def app_config(app_config, jobs):
    if jobs == "inline jobs":
        return app_config
    return {**app_config, "REDIS_URL": REDIS_URL, "QUEUE_PREFIX": f"test-terminals-{id(app_config):x}"}


@pytest.fixture
def live(app, sandbox):
    """This app on a loopback port, with the sandbox sending its webhooks there."""
    server = LiveServer(app)
    sandbox.control("/config", {"webhook_url": f"{server.url}/paystack/webhook"})
    yield sandbox
    server.stop()
    if app.config["REDIS_URL"]:
        clean_queues(app.config["QUEUE_PREFIX"])


def test_approved_on_the_terminal_flips_the_waiting_screen_to_paid(app, cashier_client, cashier, live, terminals,
                                                                    jobs):
    invoice = make_issued_invoice(lines=((750000, 1), (250000, 2)))
    response = cashier_client.post_form(f"/terminals/invoices/{invoice.id}/charge",
                                        {"charge-terminal": terminals[DESK_1].id, "charge-submission_key": "e2e"})
    assert response.status_code == 303
    status_url = re.sub(r"^(https?://[^/]+)?", "", response.headers["Location"]) + "/status.json"
    assert cashier_client.get(status_url).get_json()["status"] == "delivered"

    live.approve(terminal=DESK_1)
    deliveries = live.wait()
    assert sorted(d["event"] for d in deliveries) == ["charge.success", "paymentrequest.success"]
    assert {d["status"] for d in deliveries} == {"delivered"}
    if jobs == "rq worker":
        assert cashier_client.get(status_url).get_json()["status"] == "delivered"  # stored, not applied yet
        run_worker()

    body = cashier_client.get(status_url).get_json()
    assert (body["status"], body["status_text"], body["finished"]) == ("paid", "PAID", True)
    assert (body["invoice_status"], body["balance_due_minor"]) == ("paid", 0)
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == "paid"
    payment = db.session.query(Payment).one()
    assert (payment.amount_minor, payment.received_by_id, payment.terminal_id) == (
        1_250_000, cashier.id, terminals[DESK_1].id)

    page = cashier_client.get(status_url.removesuffix("/status.json"))
    html = page.get_data(as_text=True)
    assert '<section class="card no-print" id="push-paid">' in html and 'id="push-retry" hidden' in html
    assert "PAID" in text_of(page) and "Go to the invoice and receipt" in text_of(page)


def test_a_tap_after_the_cashier_stopped_waiting_is_refused_or_still_recorded(app, cashier_client, cashier, live,
                                                                              terminals, jobs):
    """Stopping takes the request off the terminal after the commit, so a later tap cannot charge it; a tap
    already under way before the withdrawal job ran (the worker case here) is money, and is recorded."""
    import requests
    from sqlalchemy import select

    from billing_desk.models import AuditEntry, PaymentRequest, TerminalPush
    from tests.terminals.test_stop_waiting import stop_waiting

    invoice = make_issued_invoice(lines=((750000, 1),))
    response = cashier_client.post_form(f"/terminals/invoices/{invoice.id}/charge",
                                        {"charge-terminal": terminals[DESK_1].id, "charge-submission_key": "late"})
    push_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert stop_waiting(cashier_client, push_id).status_code == 303
    assert db.session.get(TerminalPush, push_id).status == "cancelled"

    tap = requests.post(f"{live.base_url}/_sandbox/terminals/{DESK_1}/approve", json={}, timeout=10)
    if jobs != "rq worker":  # the withdrawal ran right after the stop: nothing left to charge
        assert tap.status_code >= 400
        assert db.session.query(Payment).count() == 0
        assert db.session.scalars(select(PaymentRequest.status)).all() == ["archived"]
        return
    assert sorted(d["event"] for d in live.wait()) == ["charge.success", "paymentrequest.success"]
    run_worker()

    db.session.expire_all()
    payment = db.session.query(Payment).one()
    assert (payment.amount_minor, payment.channel, payment.terminal_id) == (750000, "card_terminal",
                                                                            terminals[DESK_1].id)
    assert db.session.get(Invoice, invoice.id).status == "paid"
    assert db.session.get(TerminalPush, push_id).status == "paid"
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "terminal_pushes")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["terminal_push.sent", "terminal_push.cancelled", "terminal_push.paid"]
    assert cashier_client.get(f"/terminals/pushes/{push_id}/status.json").get_json()["status"] == "paid"
