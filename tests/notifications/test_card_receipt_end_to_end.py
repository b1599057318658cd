"""The patient-email issue's "done" test: a card payment on a terminal ends in exactly one receipt email.

Nothing is mocked: invoice issued → "Charge on terminal" pushes to the sandbox's virtual terminal → approved
through the sandbox's control API → signed webhooks reach this app on loopback → an RQ worker (real Redis)
applies them and sends the receipt → a real SMTP server on loopback receives it, receipt PDF attached.
"""
import re

import pytest
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import EmailOutbox, Payment, Terminal
from billing_desk.paystack import terminals
from tests.notifications.helpers import emailable_invoice, parts
from tests.notifications.support import pdf_text
from tests.paystack.webhook_fixtures import REDIS_URL, LiveServer, clean_queues, run_worker
from tests.devtools.sandbox.running import DESK_1

pytestmark = pytest.mark.integration


@pytest.fixture
def app_config(app_config):
    return {**app_config, "REDIS_URL": REDIS_URL, "QUEUE_PREFIX": f"test-receipt-{id(app_config):x}"}


@pytest.fixture
def webhooks_to_app(app, paystack_sandbox):
    """This app on a loopback port, with the (shared) sandbox sending its webhooks there until the test ends."""
    server = LiveServer(app)
    paystack_sandbox.checked("/config", {"webhook_url": f"{server.url}/paystack/webhook"})
    yield paystack_sandbox
    paystack_sandbox.checked("/config", {"webhook_url": None})
    server.stop()
    clean_queues(app.config["QUEUE_PREFIX"])


@pytest.mark.parametrize("faults", [{}, {"duplicate_delivery": True, "reorder_delivery": True}],
                         ids=["as sent", "duplicated and reordered"])
def test_a_card_paid_on_the_terminal_gets_exactly_one_receipt_email(app, cashier_client, smtp_server,
                                                                     webhooks_to_app, faults):
    sandbox = webhooks_to_app
    terminals.sync_terminals(actor_id=None)
    db.session.commit()
    terminal = db.session.scalars(select(Terminal).where(Terminal.terminal_id == DESK_1)).one()
    invoice = emailable_invoice(lines=((750000, 1), (250000, 2)))
    sandbox.faults(**faults)

    response = cashier_client.post_form(f"/terminals/invoices/{invoice.id}/charge",
                                        {"charge-terminal": terminal.id, "charge-submission_key": "receipt-e2e"})
    assert response.status_code == 303 and re.search(r"/terminals/pushes/\d+$", response.headers["Location"])
    sandbox.checked(f"/terminals/{DESK_1}/approve")
    deliveries = sandbox.checked("/deliveries/wait", {"timeout_s": 10})
    assert deliveries["idle"] and {d["status"] for d in deliveries["deliveries"]} == {"delivered"}
    assert smtp_server.messages == []  # stored and acknowledged; nothing applied or sent yet

    run_worker()  # applies the webhooks, which queue the receipt job after their commit; sends it
    run_worker()  # nothing left: a second pass sends nothing more

    db.session.expire_all()
    payment = db.session.scalars(select(Payment)).one()
    assert (payment.channel, payment.amount_minor) == ("card_terminal", 1_250_000)
    row = db.session.scalars(select(EmailOutbox).where(EmailOutbox.kind == "receipt")).one()
    assert (row.payment_id, row.status) == (payment.id, "sent")
    [message] = smtp_server.messages
    assert message["To"].addresses[0].addr_spec == "ada.patient@example.org"
    assert message["Subject"].endswith(f"receipt for ₦12,500.00 (invoice {invoice.number})")
    text, _html, [attachment] = parts(message)
    assert invoice.number in text
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"receipt-{invoice.number}-{payment.id}.pdf"
    receipt = pdf_text(attachment.get_content())
    assert invoice.number in receipt and "12,500.00" in receipt
