"""Approving on a terminal: the POS transaction, the two signed webhooks, and the delivery fault knobs."""
import pytest

from billing_desk.paystack.signature import is_valid
from tests.devtools.sandbox.support import SECRET_KEY
from tests.paystack.examples import load_example

pytestmark = pytest.mark.integration


def _signed_ok(received):
    return is_valid(received["raw"], received["headers"].get("x-paystack-signature"), SECRET_KEY)


def test_approve_sends_two_correctly_signed_webhooks_shaped_like_paystack(sandbox, receiver, paid_request):
    assert receiver.events() == ["paymentrequest.success", "charge.success"]
    for received in receiver.received:
        assert received["headers"]["Content-Type"] == "application/json"
        assert _signed_ok(received)

    request_event, charge_event = (r["body"] for r in receiver.received)
    assert set(request_event) == {"event", "data"}
    assert set(request_event["data"]) == set(load_example("paymentrequest.success.json")["data"])
    assert set(charge_event["data"]) == set(load_example("charge.success.pos.json")["data"])

    prq = request_event["data"]
    assert prq["customer"] == sandbox.customer()["id"]  # an int id, not an object
    assert (prq["id"], prq["request_code"], prq["offline_reference"]) == (
        paid_request["id"], paid_request["request_code"], paid_request["offline_reference"])
    assert (prq["status"], prq["paid"], prq["amount"]) == ("success", True, 1250000)
    assert prq["paid_at"] and prq["pdf_url"].endswith(".pdf")

    charge = charge_event["data"]
    assert charge["amount"] == "1250000" and charge["requested_amount"] == "1250000"
    assert charge["metadata"] == 0 and charge["channel"] == "pos" and charge["status"] == "success"
    assert charge["reference"].startswith("pos_") and len(charge["reference"]) == 14
    assert charge["source"] == {"type": "offline", "source": "pos", "entry_point": "pos_initialize",
                                "identifier": "2232WE17"}
    assert charge["customer"]["email"].startswith("pos_") and charge["customer"]["email"].endswith("@email.com")


def test_paid_request_links_the_pos_transaction(sandbox, receiver, paid_request):
    reference = receiver.received[1]["body"]["data"]["reference"]

    verified = sandbox.api("GET", f"/paymentrequest/verify/{paid_request['request_code']}").json()["data"]
    assert (verified["status"], verified["paid"], verified["amount_paid"], verified["pending_amount"]) == (
        "success", True, 1250000, 0)
    [linked] = verified["transactions"]
    assert linked["reference"] == reference and linked["payment_request"] == paid_request["id"]
    assert (linked["amount"], linked["status"], linked["channel"], linked["currency"]) == (
        1250000, "success", "pos", "NGN")

    transaction = sandbox.api("GET", f"/transaction/verify/{reference}").json()
    assert transaction["message"] == "Verification successful"
    assert transaction["data"]["amount"] == 1250000 and transaction["data"]["id"] == linked["id"]
    assert sandbox.api("GET", f"/transaction/{linked['id']}").json()["message"] == "Transaction retrieved"

    listed = sandbox.api("GET", "/transaction", params={"terminal_id": "2232WE17", "channel": "pos"}).json()
    assert [t["reference"] for t in listed["data"]] == [reference] and listed["meta"]["total"] == 1
    assert sandbox.api("GET", "/transaction", params={"terminal_id": "3911QX42"}).json()["data"] == []
    assert sandbox.api("GET", "/paymentrequest", params={"status": "success"}).json()["meta"]["total"] == 1

    unknown = sandbox.api("GET", "/transaction/verify/pos_doesnotexist")
    assert unknown.status_code == 400 and unknown.json()["message"] == "Transaction reference not found"

    pdf = sandbox.api("GET", verified["pdf_url"].removeprefix(sandbox.base_url))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_partial_amount_keeps_the_request_pending_and_sends_only_charge_success(sandbox, receiver):
    request_data = sandbox.payment_request(sandbox.customer(), amount=500000)
    sandbox.push(request_data)
    sandbox.control("/terminals/2232WE17/approve", {"amount": 200000})
    sandbox.wait_for_deliveries()

    assert receiver.events() == ["charge.success"]
    assert receiver.received[0]["body"]["data"]["amount"] == "200000"
    fetched = sandbox.api("GET", f"/paymentrequest/{request_data['id']}").json()["data"]
    assert (fetched["status"], fetched["paid"], fetched["amount_paid"], fetched["pending_amount"]) == (
        "pending", False, 200000, 300000)
    assert [t["amount"] for t in fetched["transactions"]] == [200000]

    sandbox.push(request_data)  # the rest, on a second push
    sandbox.control("/terminals/2232WE17/approve", {})
    sandbox.wait_for_deliveries()
    fetched = sandbox.api("GET", f"/paymentrequest/{request_data['id']}").json()["data"]
    assert (fetched["status"], fetched["amount_paid"], [t["amount"] for t in fetched["transactions"]]) == (
        "success", 500000, [200000, 300000])


def test_overpayment_marks_the_request_paid_with_the_amount_actually_paid(sandbox, receiver):
    request_data = sandbox.payment_request(sandbox.customer(), amount=500000)
    sandbox.push(request_data)
    sandbox.control("/terminals/2232WE17/approve", {"amount": 510000})
    sandbox.wait_for_deliveries()
    assert receiver.events() == ["paymentrequest.success", "charge.success"]
    verified = sandbox.api("GET", f"/paymentrequest/verify/{request_data['request_code']}").json()["data"]
    assert (verified["status"], verified["amount"], verified["amount_paid"], verified["pending_amount"]) == (
        "success", 500000, 510000, 0)


def test_reorder_knob_sends_charge_success_first(sandbox, receiver):
    sandbox.control("/faults", {"reorder_delivery": True})
    request_data = sandbox.payment_request(sandbox.customer(), amount=5000)
    sandbox.push(request_data)
    sandbox.control("/terminals/2232WE17/approve")
    sandbox.wait_for_deliveries()
    assert receiver.events() == ["charge.success", "paymentrequest.success"]


def test_duplicate_knob_sends_each_webhook_twice_with_identical_bodies(sandbox, receiver):
    sandbox.control("/faults", {"duplicate_delivery": True})
    request_data = sandbox.payment_request(sandbox.customer(), amount=5000)
    sandbox.push(request_data)
    sandbox.control("/terminals/2232WE17/approve")
    deliveries = sandbox.wait_for_deliveries()
    assert sorted(receiver.events()) == ["charge.success"] * 2 + ["paymentrequest.success"] * 2
    assert [d["duplicate"] for d in deliveries] == [False, True, False, True]
    bodies = [r["raw"] for r in receiver.received]
    assert len(set(bodies)) == 2 and all(_signed_ok(r) for r in receiver.received)


def test_bad_signature_knob_signs_the_next_delivery_with_a_wrong_key(sandbox, receiver):
    sandbox.control("/faults", {"bad_signature_next": 1})
    request_data = sandbox.payment_request(sandbox.customer(), amount=5000)
    sandbox.push(request_data)
    sandbox.control("/terminals/2232WE17/approve")
    deliveries = sandbox.wait_for_deliveries()

    # The receiver (like the app) answers 401 to a bad signature: retried with the same signature, then given up.
    first, second = deliveries
    assert (first["event"], first["bad_signature"], first["status"], first["attempts"], first["status_code"]) == (
        "paymentrequest.success", True, "failed", 3, 401)
    assert (second["status"], second["attempts"]) == ("delivered", 1)
    validity = sorted((r["body"]["event"], _signed_ok(r)) for r in receiver.received)
    assert validity == [("charge.success", True)] + [("paymentrequest.success", False)] * 3


def test_drop_knob_never_sends_the_next_webhook(sandbox, receiver):
    sandbox.control("/faults", {"drop_delivery_next": 1})
    request_data = sandbox.payment_request(sandbox.customer(), amount=5000)
    sandbox.push(request_data)
    sandbox.control("/terminals/2232WE17/approve")
    deliveries = sandbox.wait_for_deliveries()
    assert [(d["event"], d["status"]) for d in deliveries] == [("paymentrequest.success", "dropped"),
                                                               ("charge.success", "delivered")]
    assert receiver.events() == ["charge.success"]
    # The app's sweep still finds the payment by verifying the request.
    verified = sandbox.api("GET", f"/paymentrequest/verify/{request_data['request_code']}").json()["data"]
    assert verified["paid"] is True


def test_failed_delivery_is_retried_until_it_gets_a_200(sandbox, receiver):
    receiver.statuses = {"paymentrequest.success": [500, 503]}
    request_data = sandbox.payment_request(sandbox.customer(), amount=5000)
    sandbox.push(request_data)
    sandbox.control("/terminals/2232WE17/approve")
    deliveries = sandbox.wait_for_deliveries()
    assert {d["event"]: (d["status"], d["attempts"]) for d in deliveries} == {
        "paymentrequest.success": ("delivered", 3), "charge.success": ("delivered", 1)}


def test_no_webhook_url_means_nothing_is_sent(sandbox, receiver):
    sandbox.control("/config", {"webhook_url": None})
    request_data = sandbox.payment_request(sandbox.customer(), amount=5000)
    sandbox.push(request_data)
    sandbox.control("/terminals/2232WE17/approve")
    assert {d["status"] for d in sandbox.wait_for_deliveries()} == {"skipped"}
    assert receiver.received == []


def test_pending_webhook_knob(sandbox, receiver):
    sandbox.control("/faults", {"send_pending_webhook": True})
    request_data = sandbox.payment_request(sandbox.customer(), amount=5000)
    sandbox.wait_for_deliveries()
    [received] = receiver.received
    assert received["body"]["event"] == "paymentrequest.pending" and _signed_ok(received)
    assert set(received["body"]["data"]) == set(load_example("paymentrequest.pending.json")["data"])
    assert received["body"]["data"]["request_code"] == request_data["request_code"]
