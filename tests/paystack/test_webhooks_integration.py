"""End to end: sandbox terminal → signed webhooks over HTTP → stored → RQ (real Redis) → SimpleWorker → invoice.

Nothing is mocked: the app is served on a loopback port and the sandbox's webhook URL points at it; the
Paystack client talks to the sandbox over HTTP.
"""
import json

import pytest
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import (
    AuditEntry,
    EmailOutbox,
    Invoice,
    Payment,
    PaymentRequest,
    PaymentReview,
    Refund,
    TerminalPush,
    WebhookEvent,
)
from billing_desk.paystack import sweep, webhooks
from billing_desk.paystack.signature import sign
from tests.factories import make_issued_invoice
from tests.paystack.webhook_fixtures import (  # noqa: F401  (fixtures)
    DEAD_REDIS_URL,
    REDIS_URL,
    SECRET,
    TERMINAL_CODE,
    form_post,
    live,
    live_config,
    make_terminal,
    queue_prefix,
    run_worker,
    sandbox_server,
)

pytestmark = pytest.mark.integration
AMOUNT = 1_250_000


@pytest.fixture
def app_config(app_config, live_config):
    return {**app_config, **live_config}


@pytest.fixture
def desk(app, admin):
    """An issued NGN 12,500 invoice and Desk 1's terminal."""
    return make_issued_invoice(lines=((750000, 1), (250000, 2))), make_terminal(), admin


def push(desk):
    from billing_desk.paystack.terminal_pushes import push_to_terminal

    invoice, terminal, staff = desk
    push_to_terminal(invoice.id, terminal.id, staff.id)
    db.session.commit()
    return db.session.scalars(select(PaymentRequest).where(PaymentRequest.invoice_id == invoice.id)).one()


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def assert_paid_once(invoice, staff):
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice.id)
    assert (invoice.status, invoice.amount_paid_minor) == ("paid", AMOUNT)
    payment = db.session.scalars(select(Payment)).one()
    assert (payment.channel, payment.amount_minor, payment.received_by_id) == ("card_terminal", AMOUNT, staff.id)
    assert payment.paystack_reference.startswith("pos_") and payment.terminal_id is not None
    payment_request = db.session.scalars(select(PaymentRequest)).one()
    assert payment_request.status == "success" and payment_request.paid_at is not None
    assert {p.status for p in db.session.scalars(select(TerminalPush))} == {"paid"}
    assert count(AuditEntry, AuditEntry.action == "terminal_push.paid") == 1
    assert count(PaymentReview) == 0
    # One receipt, whatever arrived twice or out of order ("skipped": this patient has no email).
    receipts = db.session.scalars(select(EmailOutbox).where(EmailOutbox.kind == "receipt")).all()
    assert [(r.payment_id, r.status) for r in receipts] == [(payment.id, "skipped")]
    return payment


def outcomes():
    return sorted((e.event, e.outcome) for e in db.session.scalars(select(WebhookEvent)))


def test_happy_path(live, desk):
    invoice, _, staff = desk
    push(desk)
    live.approve()
    deliveries = live.wait()
    assert [d["status"] for d in deliveries] == ["delivered", "delivered"]
    assert count(WebhookEvent, WebhookEvent.processed_at.is_(None)) == 2  # stored, not yet applied
    run_worker()
    assert_paid_once(invoice, staff)
    assert outcomes() == [("charge.success", "duplicate"), ("paymentrequest.success", "paid")]


@pytest.mark.parametrize(
    "faults",
    [{"duplicate_delivery": True}, {"reorder_delivery": True}, {"duplicate_delivery": True, "reorder_delivery": True}],
    ids=["duplicated", "reordered", "both"],
)
def test_duplicate_and_reordered_webhooks_make_one_payment(live, desk, faults):
    invoice, _, staff = desk
    live.faults(**faults)
    push(desk)
    live.approve()
    live.wait()
    run_worker()
    assert_paid_once(invoice, staff)
    events = db.session.scalars(select(WebhookEvent)).all()
    assert len(events) == 2
    if faults.get("duplicate_delivery"):
        assert sum(e.duplicates for e in events) == 2
    if faults == {"reorder_delivery": True}:
        # charge.success came first and booked the payment through the verified request.
        assert outcomes() == [("charge.success", "paid"), ("paymentrequest.success", "duplicate")]


def test_forged_signature_is_refused_and_stores_nothing(live, desk):
    invoice, _, staff = desk
    live.faults(bad_signature_next=1)  # paymentrequest.success is signed with the wrong key, every attempt
    push(desk)
    live.approve()
    deliveries = live.wait()
    forged = next(d for d in deliveries if d["bad_signature"])
    assert forged["status"] == "failed" and forged["status_code"] == 401
    assert webhooks.bad_signature_count() == forged["attempts"]
    assert [e.event for e in db.session.scalars(select(WebhookEvent))] == ["charge.success"]
    run_worker()
    assert_paid_once(invoice, staff)  # the genuine charge.success alone is enough


@pytest.mark.parametrize("taken", [AMOUNT + 100_000, AMOUNT - 250_000], ids=["more", "less"])
def test_amount_mismatch_is_reviewed_not_paid(live, desk, taken):
    invoice, _, _ = desk
    push(desk)
    live.approve(amount=taken)
    live.wait()
    run_worker()
    review = db.session.scalars(select(PaymentReview)).one()
    assert (review.kind, review.expected_minor, review.received_minor) == ("amount_mismatch", AMOUNT, taken)
    assert review.invoice_id == invoice.id and review.paystack_reference.startswith("pos_")
    assert db.session.get(Invoice, invoice.id).status == "issued"
    assert count(Payment) == 0


def test_redis_down_then_the_sweep_applies(app, live, desk):
    invoice, _, staff = desk
    push(desk)
    app.config["REDIS_URL"] = DEAD_REDIS_URL
    live.approve()
    deliveries = live.wait()
    assert [d["status_code"] for d in deliveries] == [200, 200]
    assert count(WebhookEvent, WebhookEvent.processed_at.is_(None)) == 2
    app.config["REDIS_URL"] = REDIS_URL
    run_worker()
    assert count(Payment) == 0  # nothing was queued while Redis was down
    report = sweep.run()
    assert report.requeued == 2
    assert sweep.run().requeued == 0  # still queued: not queued twice
    run_worker()
    assert_paid_once(invoice, staff)


def test_lost_webhooks_are_caught_by_the_sweep(live, desk):
    invoice, _, staff = desk
    live.faults(drop_delivery_next=2)
    push(desk)
    live.approve()
    assert {d["status"] for d in live.wait()} == {"dropped"}
    assert count(WebhookEvent) == 0
    report = sweep.run()
    assert (report.verified, report.paid) == (1, 1)
    assert_paid_once(invoice, staff)
    assert sweep.run().verified == 0  # nothing pending any more


def test_late_pending_does_not_undo_success(app, live, desk):
    invoice, _, staff = desk
    payment_request = push(desk)
    live.approve()
    live.wait()
    run_worker()
    record = next(r for r in live.state()["payment_requests"] if r["request_code"] == payment_request.request_code)
    raw = json.dumps({"event": "paymentrequest.pending",
                      "data": {**record, "status": "pending", "paid": False, "paid_at": None}}).encode()
    response = app.test_client().post("/paystack/webhook", data=raw,
                                      headers={"x-paystack-signature": sign(raw, SECRET)})
    assert response.status_code == 200
    run_worker()
    assert_paid_once(invoice, staff)
    assert ("paymentrequest.pending", "ignored") in outcomes()


@pytest.mark.parametrize(
    ("amount", "outcome", "status", "paid", "refunded"),
    [
        (None, "processed", "refunded", 0, AMOUNT),
        (250_000, "processed", "partially_refunded", AMOUNT - 250_000, 250_000),
        (250_000, "failed", "paid", AMOUNT, 0),
    ],
    ids=["full", "partial", "failed"],
)
def test_card_refund_follows_refund_webhooks(live, desk, admin_client, amount, outcome, status, paid, refunded):
    invoice, _, staff = desk
    push(desk)
    live.approve()
    live.wait()
    run_worker()
    payment = assert_paid_once(invoice, staff)
    live.faults(refund_outcome=outcome)
    typed = f"{(amount or AMOUNT) / 100:.2f}"
    response = form_post(admin_client, f"/payments/{payment.id}/refund",
                         {"amount": typed, "method": "paystack", "reason": "Procedure cancelled"})
    assert response.status_code == 302
    run_worker()  # sends POST /refund
    refund = db.session.scalars(select(Refund)).one()
    assert refund.paystack_refund_id is not None and refund.status in ("pending", "processing", outcome)
    assert db.session.get(Invoice, invoice.id).status == "paid"  # not until Paystack says so
    live.wait()
    run_worker()  # applies refund.* webhooks
    db.session.expire_all()
    refund = db.session.get(Refund, refund.id)
    invoice = db.session.get(Invoice, invoice.id)
    assert refund.status == outcome
    assert (invoice.status, invoice.amount_paid_minor, invoice.amount_refunded_minor) == (status, paid, refunded)
    assert count(PaymentReview) == 0


def test_charge_we_cannot_place_is_flagged_after_the_grace_period(live, desk, sandbox_server):
    """Someone used the terminal for a request the desk never made: kept, then flagged — never dropped."""
    import requests

    headers = {"Authorization": f"Bearer {SECRET}"}
    base = sandbox_server.base_url
    customer = requests.post(f"{base}/customer", json={"email": "walk-in@example.org"}, headers=headers).json()["data"]
    request_data = requests.post(f"{base}/paymentrequest", json={
        "customer": customer["customer_code"], "amount": 50_000, "send_notification": False,
    }, headers=headers).json()["data"]
    requests.post(f"{base}/terminal/{TERMINAL_CODE}/event", json={
        "type": "invoice", "action": "process",
        "data": {"id": request_data["id"], "reference": request_data["offline_reference"]},
    }, headers=headers).raise_for_status()
    live.approve()
    live.wait()
    run_worker()
    assert outcomes() == [("charge.success", "waiting"), ("paymentrequest.success", "review")]
    assert sweep.run().rechecked == 1
    run_worker()
    kinds = sorted((r.kind, r.paystack_reference.split(":")[0].split("_")[0]) for r in db.session.scalars(select(PaymentReview)))
    assert kinds == [("unknown_reference", "pos"), ("unknown_reference", "request")]
    assert count(Payment) == 0


@pytest.mark.parametrize("faults", [{}, {"reorder_delivery": True}], ids=["in order", "charge first"])
def test_paid_on_the_hosted_pay_page_is_recorded_as_online(app, live, faults):
    """The emailed pay link → the sandbox's hosted page → webhooks → worker: an online payment, nobody's shift."""
    import requests

    from billing_desk.paystack.creation import ensure_payment_request
    from billing_desk.public.links import pay_url

    invoice = make_issued_invoice(lines=((750000, 1), (250000, 2)))
    live.faults(**faults)
    link = pay_url(ensure_payment_request(invoice.id).request_code)
    db.session.commit()
    assert link == f"{app.config['PAYSTACK_PAY_URL_BASE']}{db.session.scalars(select(PaymentRequest)).one().request_code}"

    code = link.rsplit("/", 1)[1]
    page = requests.get(f"{live.base_url}/pay/{code}", timeout=5)
    assert page.status_code == 200 and "NGN 12,500.00" in page.text
    assert requests.post(f"{live.base_url}/pay/{code}", timeout=5).status_code == 200
    assert sorted(d["event"] for d in live.wait()) == ["charge.success", "paymentrequest.success"]
    run_worker()

    db.session.expire_all()
    payment = db.session.scalars(select(Payment)).one()
    assert (payment.channel, payment.amount_minor, payment.received_by_id, payment.terminal_id, payment.shift_id) == (
        "online", AMOUNT, None, None, None)
    assert db.session.get(Invoice, invoice.id).status == "paid"
    assert db.session.scalars(select(PaymentRequest)).one().status == "success"
    assert count(PaymentReview) == 0
