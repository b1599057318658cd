"""docs/api_walkthrough.py, as docs/api.md tells people to run it, against this app served on loopback and the
Paystack sandbox: key, patient, two-line invoice, issue, charge on a virtual terminal, signed invoice.paid."""
import runpy
from pathlib import Path

import pytest
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import Invoice, WebhookDelivery
from billing_desk.paystack.terminals import sync_terminals
from tests.factories import DEFAULT_PASSWORD, make_service, make_staff
from tests.paystack.webhook_fixtures import SECRET, LiveServer, Sandbox, sandbox_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.integration
SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "api_walkthrough.py"


@pytest.fixture
def app_config(app_config, sandbox_server):
    # No SERVER_NAME: the script follows the app's redirects to the loopback address it called.
    return {**app_config, "SERVER_NAME": None, "PAYSTACK_BASE_URL": sandbox_server.base_url,
            "PAYSTACK_SECRET_KEY": SECRET, "PAYSTACK_READ_TIMEOUT": 5}


def test_the_walkthrough_receives_a_signed_invoice_paid(app, sandbox_server, monkeypatch):
    make_staff(role="cashier", email="desk@example.org")
    make_service(code="CONS1", name="Consultation", unit_price_minor=750000)
    sync_terminals(actor_id=None)
    db.session.commit()
    server = LiveServer(app)
    Sandbox(sandbox_server.base_url).control("/config", {"webhook_url": f"{server.url}/paystack/webhook"})
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])  # the script's `flask` commands
    try:
        walkthrough = runpy.run_path(str(SCRIPT))
        event = walkthrough["run"](walkthrough["parse"]([
            "--app", server.url, "--sandbox", sandbox_server.base_url, "--port", "0",
            "--cashier", "desk@example.org", "--password", DEFAULT_PASSWORD, "--wait", "20",
        ]))
    finally:
        server.stop()
    db.session.expire_all()
    invoice = db.session.scalar(select(Invoice))
    assert (event["type"], event["data"]["id"], event["data"]["status"]) == ("invoice.paid", invoice.id, "paid")
    assert [line["description"] for line in event["data"]["lines"]] == ["Consultation", "Wound dressing pack"]
    assert event["data"]["total_minor"] == 750000 + 2 * 150000 == invoice.amount_paid_minor
    assert db.session.scalar(select(WebhookDelivery.status)) == "delivered"
