"""POST /paystack/webhook without the sandbox: signatures, parsing, dedupe keys, storing (jobs run inline)."""
import json

import pytest
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import AuditEntry, PaymentRequest, PaymentReview, WebhookEvent
from billing_desk.paystack import webhooks
from tests.factories import make_issued_invoice
from tests.paystack.examples import load_example
from tests.paystack.webhook_fixtures import SECRET, body_of, make_payment_request, post_webhook



@pytest.fixture
def app_config(app_config):
    return {**app_config, "PAYSTACK_SECRET_KEY": SECRET}



def stored():
    return db.session.scalar(select(func.count()).select_from(WebhookEvent))


# ---- dedupe keys -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("event", "data", "key"),
    [
        ("paymentrequest.success", {"id": 5521003, "request_code": "PRQ_x"}, "paymentrequest.success:5521003"),
        ("paymentrequest.pending", {"id": 5521003, "request_code": "PRQ_x"}, "paymentrequest.pending:5521003"),
        ("paymentrequest.success", {"request_code": "PRQ_x"}, "paymentrequest.success:PRQ_x"),
        ("charge.success", {"id": 4410983215, "reference": "pos_a"}, "charge.success:4410983215"),
        ("charge.success", {"reference": "pos_a"}, "charge.success:pos_a"),
        ("invoice.update", {"invoice_code": "INV_1", "status": "success"}, "invoice.update:INV_1"),
        ("refund.processed", {"transaction_reference": "pos_a", "refund_reference": "RFN1", "amount": "250000"},
         "refund.processed:pos_a:RFN1:250000"),
        ("refund.failed", {"transaction_reference": "pos_a", "refund_reference": "TRF_1", "amount": 250000},
         "refund.failed:pos_a:TRF_1:250000"),
        ("refund.pending", {"transaction_reference": "pos_a", "refund_reference": None, "amount": "100"},
         "refund.pending:pos_a:-:100"),
        ("refund.needs-attention", {"transaction_reference": "pos_a", "id": "1250001", "amount": 100},
         "refund.needs-attention:pos_a:1250001:100"),
        ("transfer.success", {"transaction_reference": "T1", "status": "success"}, "transfer.success:T1:success"),
    ],
)
def test_dedupe_key_uses_the_event_and_its_ids(event, data, key):
    assert webhooks.dedupe_key({"event": event, "data": data}) == key


@pytest.mark.parametrize(
    ("event", "first", "second"),
    [
        # Types drift between deliveries (docs/paystack.md §9.3): an amount as int or string is the same refund.
        ("refund.processed", {"transaction_reference": "p", "refund_reference": "R", "amount": 5},
         {"transaction_reference": "p", "refund_reference": "R", "amount": "5"}),
        ("charge.success", {"id": 7}, {"id": "7"}),
        ("refund.processed", {"x": 1, "y": [1, 2]}, {"y": [1, 2], "x": 1}),  # no ids: digest, key order ignored
    ],
)
def test_dedupe_key_ignores_how_values_are_typed(event, first, second):
    assert webhooks.dedupe_key({"event": event, "data": first}) == webhooks.dedupe_key(
        {"event": event, "data": second}
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # Two partial refunds of one transaction are different events.
        ({"transaction_reference": "p", "refund_reference": "R1", "amount": 5}, {"transaction_reference": "p", "refund_reference": "R2", "amount": 5}),
        ({"transaction_reference": "p", "refund_reference": None, "amount": 5}, {"transaction_reference": "p", "refund_reference": None, "amount": 6}),
        ({"x": 1}, {"x": 2}),
    ],
)
def test_dedupe_key_separates_different_events(first, second):
    assert webhooks.dedupe_key({"event": "refund.processed", "data": first}) != webhooks.dedupe_key(
        {"event": "refund.processed", "data": second}
    )


def test_dedupe_key_fits_the_column():
    key = webhooks.dedupe_key({"event": "charge.success", "data": {"reference": "r" * 400}})
    assert len(key) <= 255 and key.startswith("charge.success:sha256:")


@pytest.mark.parametrize(
    "raw", [b"", b"not json", b"[]", b'{"data": {}}', b'{"event": "", "data": {}}', b'{"event": "x", "data": 1}',
            b"\xff\xfe"],
)
def test_parse_refuses_what_is_not_an_event(raw):
    with pytest.raises(webhooks.InvalidPayload):
        webhooks.parse(raw)


# ---- the endpoint ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "signature",
    [False, "", "0" * 128, "not-hex", "é" * 10, None],  # None: signed with another key
    ids=["missing", "empty", "zeros", "garbage", "non-ascii", "wrong-key"],
)
def test_forged_or_missing_signature_is_refused_and_counted(client, signature, caplog):
    raw = body_of("paymentrequest.success", {"id": 1, "request_code": "PRQ_forged"})
    if signature is None:
        response = post_webhook(client, raw, key="sk_test_someone_else")
    else:
        response = post_webhook(client, raw, signature=signature)
    assert response.status_code == 401
    assert stored() == 0
    assert webhooks.bad_signature_count() == 1
    assert "paystack webhook refused" in caplog.text
    post_webhook(client, raw, signature="0" * 128)
    assert webhooks.bad_signature_count() == 2


def test_signature_is_checked_over_the_raw_bytes(client):
    """Same JSON, different spacing: a signature of the re-serialised body does not match."""
    data = {"id": 1}
    pretty = json.dumps({"event": "invoice.create", "data": data}, indent=2).encode()
    compact = body_of("invoice.create", data)
    from billing_desk.paystack.signature import sign

    response = post_webhook(client, pretty, signature=sign(compact, SECRET))
    assert response.status_code == 401
    assert post_webhook(client, pretty).status_code == 200


def test_signed_garbage_is_a_400_and_stores_nothing(client):
    assert post_webhook(client, b"{not json").status_code == 400
    assert post_webhook(client, b'{"event": "charge.success"}').status_code == 400
    assert stored() == 0


def test_oversized_body_is_refused(client):
    raw = body_of("invoice.create", {"blob": "x" * 300_000})
    assert post_webhook(client, raw).status_code == 413
    assert stored() == 0


def test_no_sign_in_or_csrf_needed(app):
    anonymous = app.test_client()
    raw = body_of("invoice.create", {"invoice_code": "INV_1"})
    assert post_webhook(anonymous, raw).status_code == 200


def test_ignored_events_are_stored_and_acknowledged(client):
    raw = json.dumps(load_example("refund.failed.json") | {"event": "invoice.payment_failed"}).encode()
    response = post_webhook(client, raw)
    assert response.status_code == 200
    event = db.session.scalars(select(WebhookEvent)).one()
    assert event.body == raw.decode()
    assert event.outcome == "ignored" and event.processed_at is not None
    assert db.session.scalar(select(func.count()).select_from(PaymentReview)) == 0


def test_duplicate_is_counted_not_stored_again(client):
    raw = body_of("subscription.create", {"id": 42})
    assert post_webhook(client, raw).get_json() == {"status": "received"}
    assert post_webhook(client, raw).get_json() == {"status": "duplicate"}
    assert post_webhook(client, raw).status_code == 200
    event = db.session.scalars(select(WebhookEvent)).one()
    assert (event.duplicates, event.attempts) == (2, 1)  # applied once, not re-applied


@pytest.mark.parametrize("status, outcome", [("pending", "pending"), ("success", "ignored")])
def test_pending_webhook_confirms_a_live_request_and_never_moves_one_back(client, status, outcome):
    """The desk links a request (pending) when Paystack answers the create; the webhook only confirms it, and a
    late `pending` never takes a paid request back."""
    invoice = make_issued_invoice()
    payment_request = make_payment_request(invoice, status=status)
    data = load_example("paymentrequest.pending.json")["data"] | {
        "id": payment_request.paystack_id, "request_code": payment_request.request_code,
    }
    assert post_webhook(client, body_of("paymentrequest.pending", data)).status_code == 200
    db.session.expire_all()
    assert db.session.get(PaymentRequest, payment_request.id).status == status
    assert db.session.scalars(select(WebhookEvent)).one().outcome == outcome


def test_success_for_a_request_we_never_made_is_flagged(client):
    data = load_example("paymentrequest.success.json")["data"]
    assert post_webhook(client, body_of("paymentrequest.success", data)).status_code == 200
    review = db.session.scalars(select(PaymentReview)).one()
    assert (review.kind, review.paystack_reference) == ("unknown_reference", f"request:{data['request_code']}")
    assert db.session.scalars(select(WebhookEvent)).one().outcome == "review"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "payment_review.opened")) == 1
