"""API fault knobs (500s, latency, a create that answers too late) and refunds with their webhooks."""
import time

import pytest
import requests

from tests.paystack.examples import load_example

pytestmark = pytest.mark.integration


def test_fail_next_answers_500_for_the_next_calls_only(sandbox):
    assert sandbox.control("/faults", {"fail_next": 2}).json()["fail_next"] == 2
    for _ in range(2):
        failed = sandbox.api("GET", "/terminal")
        assert failed.status_code == 500 and failed.json()["status"] is False
    assert sandbox.api("GET", "/terminal").status_code == 200
    assert sandbox.control("/faults", method="GET").json()["fail_next"] == 0


def test_latency_slows_every_api_call(sandbox):
    sandbox.control("/faults", {"latency_ms": 300})
    started = time.monotonic()
    sandbox.api("GET", "/terminal")
    assert time.monotonic() - started >= 0.3


def test_timeout_after_create_creates_the_request_but_the_client_times_out(sandbox):
    customer = sandbox.customer()
    sandbox.control("/faults", {"timeout_after_create_next": 1, "timeout_sleep_s": 1.5})
    with pytest.raises(requests.ReadTimeout):
        sandbox.api("POST", "/paymentrequest", json={"customer": customer["id"], "amount": 7000}, timeout=0.3)

    listed = sandbox.api("GET", "/paymentrequest", params={"customer": customer["id"]}).json()
    assert [r["amount"] for r in listed["data"]] == [7000]
    quick = sandbox.api("POST", "/paymentrequest", json={"customer": customer["id"], "amount": 8000}, timeout=1)
    assert quick.status_code == 200  # the knob was spent


def test_unknown_fault_knob_is_refused(sandbox):
    response = sandbox.control("/faults", {"no_such_knob": 1})
    assert response.status_code == 400


def _pos_reference(receiver):
    return next(r["body"]["data"]["reference"] for r in receiver.received if r["body"]["event"] == "charge.success")


def test_full_refund_is_queued_then_processed_with_webhooks(sandbox, receiver, paid_request):
    reference = _pos_reference(receiver)
    receiver.received.clear()

    created = sandbox.api("POST", "/refund", json={"transaction": reference})
    body = created.json()
    assert created.status_code == 200 and body["message"] == "Refund has been queued for processing"
    assert body["data"]["status"] == "pending" and body["data"]["amount"] == 1250000
    assert body["data"]["transaction"]["reference"] == reference  # an object in the create response

    sandbox.wait_for_deliveries()
    assert receiver.events() == ["refund.pending", "refund.processed"]
    pending, processed = (r["body"]["data"] for r in receiver.received)
    assert set(processed) == set(load_example("refund.processed.json")["data"])
    assert (pending["amount"], processed["amount"]) == ("1250000", "1250000")
    assert processed["transaction_reference"] == reference and processed["refund_reference"]
    assert processed["customer"]["email"] == "ada.obi@example.org"

    fetched = sandbox.api("GET", f"/refund/{body['data']['id']}").json()
    assert fetched["message"] == "Refund retrieved"
    assert fetched["data"]["status"] == "processed"
    assert fetched["data"]["transaction"] == body["data"]["transaction"]["id"]  # an int here
    assert sandbox.api("GET", f"/transaction/verify/{reference}").json()["data"]["status"] == "reversed"
    listed = sandbox.api("GET", "/refund").json()
    assert listed["message"] == "Refunds retrieved" and listed["meta"]["total"] == 1

    again = sandbox.api("POST", "/refund", json={"transaction": reference})
    assert again.status_code == 400 and again.json()["status"] is False


def test_partial_refunds_cannot_exceed_what_is_left(sandbox, receiver, paid_request):
    reference = _pos_reference(receiver)
    transaction_id = sandbox.api("GET", f"/transaction/verify/{reference}").json()["data"]["id"]

    partial = sandbox.api("POST", "/refund", data={"transaction": str(transaction_id), "amount": "250000",
                                                   "merchant_note": "Overcharged for FBC"})
    assert partial.status_code == 200 and partial.json()["data"]["amount"] == 250000
    assert partial.json()["data"]["merchant_note"] == "Overcharged for FBC"

    too_much = sandbox.api("POST", "/refund", json={"transaction": reference, "amount": 1000001})
    assert too_much.status_code == 400 and too_much.json()["type"] == "validation_error"
    rest = sandbox.api("POST", "/refund", json={"transaction": reference, "amount": 1000000})
    assert rest.status_code == 200

    unknown = sandbox.api("POST", "/refund", json={"transaction": "pos_nope"})
    assert unknown.status_code == 404


def test_refund_outcome_failed_sends_refund_failed_with_an_int_amount(sandbox, receiver, paid_request):
    reference = _pos_reference(receiver)
    receiver.received.clear()
    sandbox.control("/faults", {"refund_outcome": "failed"})

    created = sandbox.api("POST", "/refund", json={"transaction": reference, "amount": 250000}).json()
    sandbox.wait_for_deliveries()

    assert receiver.events() == ["refund.pending", "refund.failed"]
    failed = receiver.received[1]["body"]["data"]
    assert set(failed) == set(load_example("refund.failed.json")["data"])
    assert failed["amount"] == 250000 and failed["status"] == "failed"
    assert sandbox.api("GET", f"/refund/{created['data']['id']}").json()["data"]["status"] == "failed"
    assert sandbox.api("GET", f"/transaction/verify/{reference}").json()["data"]["status"] == "success"
