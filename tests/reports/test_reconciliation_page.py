"""The reconciliation page: a validated day in, the real `paystack.reconcile.reconcile_day` run against the
Paystack sandbox, its findings stored and shown in words with a suggested action, and the history listed."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import Invoice, Payment, ReconciliationRun
from billing_desk.paystack import creation
from billing_desk.timeutil import DEFAULT_TIMEZONE, local_today, zone_named
from tests.factories import make_issued_invoice
from tests.paystack.webhook_fixtures import form_post
from tests.devtools.sandbox.running import paystack_sandbox, sandbox_session  # noqa: F401  (fixtures)


@pytest.fixture
def app_config(app_config, paystack_sandbox):
    return {**app_config, **paystack_sandbox.app_config()}


@pytest.fixture
def lost_webhook(app, paystack_sandbox):
    """An invoice charged on a terminal today and paid there, whose webhooks never reached the desk
    (the sandbox sends them nowhere): its payment request is still pending here. Returns (invoice, reference)."""
    invoice = make_issued_invoice(lines=((750_000, 1),))
    request = creation.ensure_payment_request(invoice.id)
    db.session.commit()  # as its callers do
    transaction = paystack_sandbox.paid_on_terminal(
        {"id": request.paystack_id, "offline_reference": request.offline_reference})
    return invoice, transaction["reference"]


def test_form_defaults_to_yesterday(admin_client):
    page = admin_client.get("/reports/reconciliation").get_data(as_text=True)
    assert f'value="{local_today() - timedelta(days=1)}"' in page
    assert "<label for=\"day\">Day</label>" in page


def test_reconciling_a_day_books_the_lost_payment_and_names_the_unknown_one(admin_client, paystack_sandbox,
                                                                               lost_webhook):
    invoice, booked_reference = lost_webhook
    walk_in = paystack_sandbox.card_payment(400_000)["reference"]  # paid at Paystack, never at the desk

    response = form_post(admin_client, "/reports/reconciliation", {"day": local_today().isoformat()})

    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    for text in ("1 difference(s) to look at", f"<td>{walk_in}</td><td>Paystack ₦4,000.00 — desk: NOT RECORDED</td>",
                 "Find the invoice this payment was for",
                 "<dt>Card payments at the desk</dt><dd>1</dd>", "<dt>Successful transactions at Paystack</dt><dd>2</dd>",
                 "1 (1 booked now, 0 flagged for review)"):
        assert text in page, text
    assert booked_reference not in page  # booked by the verify and matched: not a difference
    db.session.expire_all()
    payment = db.session.scalars(select(Payment)).one()
    assert (payment.invoice_id, payment.paystack_reference, payment.amount_minor) == (
        invoice.id, booked_reference, 750_000)
    assert db.session.get(Invoice, invoice.id).status == "paid"
    history = admin_client.get("/reports/reconciliation").get_data(as_text=True)
    assert "Differences to look at" in history and "an administrator" in history


def test_a_verify_that_fails_is_listed_and_its_payment_is_not_booked(admin_client, paystack_sandbox, lost_webhook):
    invoice, reference = lost_webhook
    paystack_sandbox.faults(fail_next=3)  # the verify and its two retries; the listing after it succeeds

    response = form_post(admin_client, "/reports/reconciliation", {"day": local_today().isoformat()})

    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Could not verify" in page and "PaystackServerError" in page and "answered with an error" in page
    assert f"<td>{reference}</td><td>Paystack ₦7,500.00 — desk: NOT RECORDED</td>" in page
    assert db.session.scalars(select(Payment)).all() == []


@pytest.mark.parametrize("day, message", [
    ("", "Pick the day to reconcile."),
    ("04/03/2026", "Enter the date as YYYY-MM-DD"),
    ("1999-12-31", "from 01 Jan 2000 on"),
    ((local_today(zone_named(DEFAULT_TIMEZONE)) + timedelta(days=1)).isoformat(), "cannot be in the future"),
])
def test_bad_days_are_field_errors(admin_client, paystack_sandbox, day, message):
    response = form_post(admin_client, "/reports/reconciliation", {"day": day})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert paystack_sandbox.calls() == []  # nothing was reconciled
    assert db.session.scalars(select(ReconciliationRun)).all() == []


def test_paystack_down_is_a_clear_message(admin_client, paystack_sandbox):
    paystack_sandbox.down()
    response = form_post(admin_client, "/reports/reconciliation", {"day": "2026-03-04"})
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Could not run" in page
    assert "Paystack could not be reached, nothing was compared" in page
    assert db.session.scalars(select(ReconciliationRun.result)).all() == ["failed"]
    assert "GET /transaction" in paystack_sandbox.calls()


def test_the_nightly_run_stores_yesterday_and_emails_the_admins(app, admin, paystack_sandbox):
    from datetime import datetime, time

    from billing_desk.billing.payments import PaymentDetails, record_payment
    from billing_desk.jobs import tasks
    from billing_desk.timeutil import local_today
    from billing_desk.models import EmailOutbox
    from tests.notifications.support import SmtpServer

    smtp = SmtpServer()
    smtp.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_SECURITY="none")
    yesterday = local_today() - timedelta(days=1)
    invoice = make_issued_invoice(lines=((5000, 1),))
    payment = record_payment(invoice.id, PaymentDetails(amount_minor=5000, currency="NGN", channel="card_terminal",
                                                        paystack_reference="pos_unknown_to_paystack"))
    payment.paid_at = datetime.combine(yesterday, time(12, 0))
    db.session.commit()
    try:
        summary = tasks.reconcile_yesterday()
    finally:
        smtp.stop()

    run = db.session.scalars(select(ReconciliationRun)).one()
    assert (run.day, run.started_by_id, run.result) == (yesterday, None, "differences")
    assert summary.startswith(f"{yesterday}: 1 differences")
    assert [d["reference"] for d in run.differences] == ["pos_unknown_to_paystack"]
    assert "Ask Paystack about this reference" in run.differences[0]["action"]
    email = db.session.scalars(select(EmailOutbox).where(EmailOutbox.kind == "reconciliation")).one()
    assert (email.recipient, email.status, email.reconciliation_run_id) == (admin.email, "sent", run.id)
    [message] = smtp.messages
    text = message.get_body(("plain",)).get_content()
    assert "pos_unknown_to_paystack" in text and "What to do: Ask Paystack" in text
    assert f"/reports/reconciliation/{run.id}" in text
