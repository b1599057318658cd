"""Outbound webhooks to a loopback receiver: written with the event, sent after commit, signed, retried."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from billing_desk.billing import invoices
from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.billing.refunds import create_refund
from billing_desk.extensions import db
from billing_desk.integrations import outbox, signing
from billing_desk.integrations.sweep import run_integration_sweep
from billing_desk.models import WebhookDelivery
from billing_desk.timeutil import utcnow
from tests.api.conftest import Api, new_key
from tests.factories import make_draft_invoice, make_issued_invoice


def deliveries():
    db.session.expire_all()
    return db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()


def events_received(receiver):
    return [json.loads(body)["type"] for _headers, body in receiver.requests]


def test_issuing_through_the_api_sends_a_signed_invoice_issued(app, receiver, subscribe):
    subscription = subscribe(receiver.url)
    api = Api(app.test_client(), new_key())
    draft = make_draft_invoice()
    response = api.post(f"/invoices/{draft.id}/issue")
    assert response.status_code == 200

    [(headers, body)] = receiver.requests
    assert signing.verify(subscription.secret, headers[signing.HEADER], body)
    assert not signing.verify("whsec_wrong", headers[signing.HEADER], body)
    assert not signing.verify(subscription.secret, headers[signing.HEADER], body + b" ")
    event = json.loads(body)
    assert (event["type"], headers["BillingDesk-Event"], headers["BillingDesk-Event-Id"]) == (
        "invoice.issued", "invoice.issued", event["id"])
    assert event["data"] == response.get_json()  # the API's own invoice shape
    [row] = deliveries()
    assert (row.status, row.attempts, row.response_status, row.response_body) == ("delivered", 1, 200, '{"ok": true}')


def test_a_signature_goes_stale(app):
    header = signing.header_value("whsec_x", b"{}", now=1_000_000)
    assert signing.verify("whsec_x", header, b"{}", now=1_000_000 + signing.TOLERANCE_SECONDS)
    assert not signing.verify("whsec_x", header, b"{}", now=1_000_000 + signing.TOLERANCE_SECONDS + 1)
    assert not signing.verify("whsec_x", "t=abc,v1=00", b"{}")


def test_a_failed_delivery_is_retried_with_backoff_until_it_lands(app, subscribe):
    from tests.integrations.receiver import Receiver

    receiver = Receiver(script=[500])
    try:
        subscribe(receiver.url, events=["invoice.voided"])
        draft = make_draft_invoice()
        invoices.void_invoice(draft.id, reason="Duplicate order", actor_id=None)
        db.session.commit()
        outbox.start_ready()  # what the end of a web request does
        [row] = deliveries()
        assert (row.status, row.attempts, row.response_status) == ("failed", 1, 500)
        assert row.response_body == "receiver is having a bad day"
        assert row.next_attempt_at > utcnow() + timedelta(seconds=20)
        assert run_integration_sweep().startswith("0 interrupted deliveries reopened, 0 ")  # not due yet

        assert run_integration_sweep(now=row.next_attempt_at + timedelta(seconds=1)).startswith(
            "0 interrupted deliveries reopened, 1 deliveries")
        [row] = deliveries()
        assert (row.status, row.attempts, row.response_status, row.next_attempt_at) == ("delivered", 2, 200, None)
        assert events_received(receiver) == ["invoice.voided", "invoice.voided"]
        first, second = (json.loads(body)["id"] for _h, body in receiver.requests)
        assert first == second  # the same event, so the receiver can treat it once
    finally:
        receiver.stop()


def test_no_answer_is_a_failure_and_the_last_try_gives_up(app, subscribe):
    app.config["INTEGRATION_WEBHOOK_RETRY_SECONDS"] = (10,)
    subscribe("http://127.0.0.1:9/nobody-listens", events=["invoice.voided"])
    draft = make_draft_invoice()
    invoices.void_invoice(draft.id, reason="Duplicate", actor_id=None)
    db.session.commit()
    outbox.start_ready()
    [row] = deliveries()
    assert row.status == "failed" and row.last_error.startswith("No answer: ConnectionError")
    run_integration_sweep(now=row.next_attempt_at)
    [row] = deliveries()
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 2, None)
    assert row.last_error.startswith("Gave up after 2 attempts.")


def test_payment_refund_and_paid_events(app, receiver, subscribe):
    subscribe(receiver.url)
    invoice = make_issued_invoice(lines=((500000, 1),))
    record_payment(invoice.id, PaymentDetails(amount_minor=200000, currency="NGN", channel="cash"))
    db.session.commit()
    outbox.start_ready()
    assert events_received(receiver) == ["payment.recorded"]
    payment = record_payment(invoice.id, PaymentDetails(amount_minor=300000, currency="NGN", channel="transfer"))
    create_refund(payment.id, 100000, channel="cash", reason="Overcharged")
    db.session.commit()
    outbox.start_ready()
    assert events_received(receiver) == ["payment.recorded", "payment.recorded", "invoice.paid", "refund.processed"]
    paid = json.loads(receiver.requests[2][1])["data"]
    assert (paid["status"], paid["balance_due_minor"], paid["amount_paid_minor"]) == ("paid", 0, 500000)


def test_nothing_is_sent_for_a_rolled_back_change_or_to_a_paused_or_unsubscribed_url(app, receiver, subscribe):
    from billing_desk.integrations import service

    subscribe(receiver.url, events=["invoice.issued"])
    paused = subscribe(receiver.url, events=["invoice.voided"], name="Paused lab")
    service.set_active(paused, False, actor_id=None)
    draft = make_draft_invoice()
    invoices.issue_invoice(draft.id, actor_id=None)
    db.session.rollback()
    outbox.start_ready()
    assert receiver.requests == [] and deliveries() == []
    invoices.void_invoice(draft.id, reason="Not needed", actor_id=None)
    db.session.commit()
    outbox.start_ready()
    assert receiver.requests == [] and deliveries() == []


def test_replay_sends_the_same_event_again(app, receiver, subscribe):
    subscribe(receiver.url, events=["invoice.issued"])
    draft = make_draft_invoice()
    invoices.issue_invoice(draft.id, actor_id=None)
    db.session.commit()
    outbox.start_ready()
    [original] = deliveries()
    replayed = outbox.replay(original.id, actor_id=None)
    db.session.commit()
    outbox.start_ready()
    rows = deliveries()
    assert [(r.id, r.status, r.replay_of_id) for r in rows] == [(original.id, "delivered", None),
                                                                (replayed.id, "delivered", original.id)]
    assert receiver.requests[0][1] == receiver.requests[1][1]


def test_an_interrupted_try_is_reopened_by_the_sweep(app, receiver, subscribe):
    subscribe(receiver.url, events=["invoice.issued"])
    draft = make_draft_invoice()
    invoices.issue_invoice(draft.id, actor_id=None)
    db.session.commit()
    [row] = deliveries()
    row.status, row.claimed_at = "sending", utcnow() - timedelta(minutes=10)
    db.session.commit()
    db.session.info.clear()
    assert run_integration_sweep().startswith("1 interrupted deliveries reopened, 1 deliveries started")
    assert deliveries()[0].status == "delivered"


@pytest.mark.integration
def test_with_rq_the_job_is_queued_at_commit_and_a_worker_delivers(app, receiver, subscribe):
    from tests.paystack.webhook_fixtures import REDIS_URL, clean_queues, run_worker

    app.config.update(REDIS_URL=REDIS_URL, QUEUE_PREFIX=f"test-integrations-{id(app):x}")
    try:
        subscribe(receiver.url, events=["invoice.issued"])
        draft = make_draft_invoice()
        invoices.issue_invoice(draft.id, actor_id=None)
        db.session.commit()  # queued here, to Redis: no request needed
        assert receiver.requests == [] and deliveries()[0].status == "queued"
        run_worker()
        assert events_received(receiver) == ["invoice.issued"]
        assert deliveries()[0].status == "delivered"
    finally:
        clean_queues(app.config["QUEUE_PREFIX"])
        app.config["REDIS_URL"] = None


def test_a_deposit_sends_deposit_recorded(app, receiver, subscribe):
    from billing_desk.accounts import deposits
    from tests.factories import make_patient

    subscribe(receiver.url, events=["deposit.recorded"])
    patient = make_patient()
    entry, _ = deposits.take_deposit(patient.id, 300000, "NGN", channel="cash", actor_id=None)
    db.session.commit()
    outbox.start_ready()
    [(_headers, body)] = receiver.requests
    event = json.loads(body)
    assert event["type"] == "deposit.recorded"
    assert (event["data"]["id"], event["data"]["patient_id"], event["data"]["amount_minor"]) == (entry.id, patient.id,
                                                                                                 300000)
