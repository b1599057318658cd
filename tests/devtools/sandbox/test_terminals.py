"""Terminal API and the virtual devices: list/fetch/update, presence, push events, decline and time-out."""
import pytest

pytestmark = pytest.mark.integration


def test_list_fetch_and_update_terminals(sandbox):
    listed = sandbox.api("GET", "/terminal").json()
    assert listed["message"] == "Terminals retrieved successfully"
    assert [t["terminal_id"] for t in listed["data"]] == ["2232WE17", "3911QX42"]
    assert listed["meta"] == {"next": None, "previous": None, "perPage": 50}
    assert set(listed["data"][0]) == {"id", "serial_number", "device_make", "terminal_id", "integration", "domain",
                                      "name", "address", "status"}

    first_page = sandbox.api("GET", "/terminal", params={"perPage": 1}).json()
    second_page = sandbox.api("GET", "/terminal", params={"perPage": 1, "next": first_page["meta"]["next"]}).json()
    assert second_page["data"][0]["terminal_id"] == "3911QX42" and second_page["meta"]["next"] is None

    updated = sandbox.api("PUT", "/terminal/3911QX42", json={"name": "Pharmacy", "address": "Block B"})
    assert updated.json() == {"status": True, "message": "Terminal Details updated"}
    fetched = sandbox.api("GET", "/terminal/3911QX42").json()
    assert fetched["message"] == "Terminal retrieved successfully"
    assert (fetched["data"]["name"], fetched["data"]["address"]) == ("Pharmacy", "Block B")

    missing = sandbox.api("GET", "/terminal/NOPE0000")
    assert missing.status_code == 404 and missing.json() == {"status": False, "message": "Device not found"}


def test_push_is_delivered_and_makes_the_terminal_busy(sandbox):
    request_data = sandbox.payment_request(sandbox.customer(), amount=5000)
    presence = sandbox.api("GET", "/terminal/2232WE17/presence").json()
    assert presence == {"status": True, "message": "Terminal status retrieved",
                        "data": {"online": True, "available": True}}

    sent = sandbox.api("POST", "/terminal/2232WE17/event", json={
        "type": "invoice", "action": "process",
        "data": {"id": request_data["id"], "reference": request_data["offline_reference"]},
    }).json()
    assert sent["status"] is True and sent["message"] == "Event sent to Terminal"
    event_id = sent["data"]["id"]
    assert len(event_id) == 24 and int(event_id, 16) >= 0

    status = sandbox.api("GET", f"/terminal/2232WE17/event/{event_id}").json()
    assert status == {"status": True, "message": "Message Status Retrieved", "data": {"delivered": True}}
    assert sandbox.api("GET", "/terminal/2232WE17/presence").json()["data"] == {"online": True, "available": False}


def test_push_errors(sandbox):
    request_data = sandbox.payment_request(sandbox.customer(), amount=5000)
    unknown_invoice = sandbox.api("POST", "/terminal/2232WE17/event",
                                  json={"type": "invoice", "action": "process", "data": {"id": 999, "reference": "1"}})
    assert unknown_invoice.status_code == 404
    assert unknown_invoice.json() == {"status": False, "message": "Invoice not found"}

    wrong_reference = sandbox.api("POST", "/terminal/2232WE17/event", json={
        "type": "invoice", "action": "process", "data": {"id": request_data["id"], "reference": "123"}})
    assert wrong_reference.status_code == 404

    unknown_terminal = sandbox.api("POST", "/terminal/NOPE0000/event", json={
        "type": "invoice", "action": "process", "data": {"id": request_data["id"]}})
    assert unknown_terminal.status_code == 404 and unknown_terminal.json()["message"] == "Device not found"

    bad_action = sandbox.api("POST", "/terminal/2232WE17/event", json={
        "type": "invoice", "action": "print", "data": {"id": request_data["id"]}})
    assert bad_action.status_code == 400

    bad_event_id = sandbox.api("GET", "/terminal/2232WE17/event/not-a-push-id")
    assert bad_event_id.status_code == 400
    assert bad_event_id.json() == {"status": False, "message": "The push notification ID provided is invalid",
                                   "data": {"code": "INVALID_PUSH_ID"}}


def test_offline_terminal_accepts_the_event_but_never_delivers_it(sandbox):
    request_data = sandbox.payment_request(sandbox.customer(), amount=5000)
    went_offline = sandbox.control("/terminals/2232WE17/state", {"online": False}).json()
    assert went_offline == {"online": False, "available": False}

    event_id = sandbox.push(request_data)
    assert sandbox.api("GET", f"/terminal/2232WE17/event/{event_id}").json()["data"] == {"delivered": False}

    sandbox.control("/terminals/2232WE17/state", {"online": True})
    assert sandbox.api("GET", f"/terminal/2232WE17/event/{event_id}").json()["data"] == {"delivered": False}
    assert sandbox.control("/terminals/2232WE17/approve", {}).status_code == 409  # nothing is waiting


@pytest.mark.parametrize("action, state", [("decline", "declined"), ("timeout", "timed_out")])
def test_decline_or_time_out_ends_the_push_and_leaves_the_request_pending(sandbox, receiver, action, state):
    request_data = sandbox.payment_request(sandbox.customer(), amount=5000)
    sandbox.push(request_data)

    result = sandbox.control(f"/terminals/2232WE17/{action}")
    assert result.status_code == 200 and result.json()["event"]["state"] == state
    assert sandbox.api("GET", "/terminal/2232WE17/presence").json()["data"]["available"] is True
    fetched = sandbox.api("GET", f"/paymentrequest/{request_data['id']}").json()["data"]
    assert (fetched["status"], fetched["paid"], fetched["transactions"]) == ("pending", False, [])
    assert sandbox.wait_for_deliveries() == [] and receiver.received == []


def test_busy_terminal_does_not_take_a_second_push(sandbox):
    customer = sandbox.customer()
    first, second = sandbox.payment_request(customer, amount=100), sandbox.payment_request(customer, amount=200)
    sandbox.push(first)
    second_event = sandbox.push(second)
    assert sandbox.api("GET", f"/terminal/2232WE17/event/{second_event}").json()["data"] == {"delivered": False}
