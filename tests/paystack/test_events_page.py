"""The administrators' webhook pages: the event list with lag and review counts, one event's raw body, and
re-processing an event — against the real sandbox, so a re-run really verifies with Paystack."""
import json

import pytest
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Invoice, Payment, PaymentReview, WebhookEvent
from billing_desk.paystack import creation
from tests.factories import make_issued_invoice
from tests.paystack.webhook_fixtures import body_of, form_post, post_webhook
from tests.devtools.sandbox.running import SECRET, paystack_sandbox, sandbox_session  # noqa: F401  (fixtures)


@pytest.fixture
def app_config(app_config, paystack_sandbox):
    return {**app_config, **paystack_sandbox.app_config()}


def paid_request_event(paystack_sandbox):
    """An issued invoice whose payment request the patient paid on a terminal, and the signed body of the
    `paymentrequest.success` webhook Paystack would send for it."""
    invoice = make_issued_invoice(lines=((750000, 1),))
    payment_request = creation.ensure_payment_request(invoice.id)
    db.session.commit()
    request_data = paystack_sandbox.payment_request_at_paystack(payment_request.request_code)
    paystack_sandbox.paid_on_terminal(request_data)
    paid = paystack_sandbox.payment_request_at_paystack(payment_request.request_code)
    return invoice, body_of("paymentrequest.success", paid)


def only_event():
    return db.session.scalars(select(WebhookEvent)).one()


def payments_of(invoice):
    return db.session.scalar(select(func.count()).select_from(Payment).where(Payment.invoice_id == invoice.id))


def test_an_event_that_failed_while_paystack_was_down_is_applied_when_reprocessed(
        app, admin_client, paystack_sandbox):
    invoice, raw = paid_request_event(paystack_sandbox)
    paystack_sandbox.down()
    assert post_webhook(admin_client, raw, key=SECRET).status_code == 200
    event = only_event()
    assert event.processed_at is None and event.outcome == "error"
    assert payments_of(invoice) == 0

    paystack_sandbox.faults(fail_next=0)
    response = form_post(admin_client, f"/paystack/events/{event.id}/reprocess", {})

    assert response.status_code == 303
    db.session.expire_all()
    assert only_event().outcome == "paid"
    assert db.session.get(Invoice, invoice.id).status == "paid"
    assert payments_of(invoice) == 1
    assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "webhook_events")).all() == [
        "webhook_event.reprocessed"]


def test_reprocessing_an_applied_event_books_nothing_twice(app, admin_client, paystack_sandbox):
    invoice, raw = paid_request_event(paystack_sandbox)
    post_webhook(admin_client, raw, key=SECRET)
    event = only_event()
    assert event.outcome == "paid" and payments_of(invoice) == 1

    form_post(admin_client, f"/paystack/events/{event.id}/reprocess", {})

    db.session.expire_all()
    assert payments_of(invoice) == 1
    rerun = only_event()
    assert rerun.attempts == 2 and rerun.outcome == "duplicate" and rerun.processed_at is not None


def test_reprocess_needs_the_csrf_token_and_an_existing_event(app, admin_client):
    raw = body_of("transfer.success", {"transaction_reference": "T1", "status": "success"})
    post_webhook(admin_client, raw, key=SECRET)
    event = only_event()
    assert admin_client.post(f"/paystack/events/{event.id}/reprocess").status_code == 400
    assert form_post(admin_client, "/paystack/events/999999/reprocess", {}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "webhook_event.reprocessed")) == 0


def test_the_event_page_shows_the_raw_body_and_the_list_shows_lag_and_reviews(app, admin_client):
    raw = body_of("transfer.success", {"transaction_reference": "T1", "status": "success", "note": "<b>x</b>"})
    post_webhook(admin_client, raw, key=SECRET)
    db.session.add(PaymentReview(kind="unknown_reference", paystack_reference="pos_zz", detail="no request"))
    db.session.commit()
    event = only_event()

    listing = admin_client.get("/paystack/events").get_data(as_text=True)
    assert f'href="/paystack/events/{event.id}"' in listing
    assert " s</td>" in listing  # the lag of an applied event, in seconds
    assert "Open reviews: not linked to any invoice</dt><dd>1</dd>" in listing

    page = admin_client.get(f"/paystack/events/{event.id}").get_data(as_text=True)
    assert json.dumps(json.loads(raw), indent=2).replace('"', "&#34;").replace("<", "&lt;").replace(">", "&gt;") in page
    assert "Re-process this event" in page
    assert admin_client.get("/paystack/events/999999").status_code == 404


@pytest.mark.parametrize("url", ["/paystack/events", "/paystack/events/1"])
def test_cashiers_may_not_see_webhooks(app, cashier_client, url):
    assert cashier_client.get(url).status_code == 403
