"""The hosted pay page `/pay/<request_code>` (the link in the desk's emails), and what the terminals page shows
after a declined card."""
import re

import pytest
import requests

pytestmark = pytest.mark.integration
LINES = [{"name": "Consultation (GP)", "amount": 750000, "quantity": 1},
         {"name": "Full blood count", "amount": "250000", "quantity": 2}]


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


@pytest.fixture
def pending(sandbox):
    customer = sandbox.customer(email="ada.obi@example.org", first_name="Ada", last_name="Obi")
    return customer, sandbox.payment_request(customer, line_items=LINES, description="Invoice INV-7")


def test_the_page_shows_merchant_amount_and_lines_with_pay_and_cancel(sandbox, pending):
    _customer, request_data = pending
    page = requests.get(f"{sandbox.base_url}/pay/{request_data['request_code']}", timeout=5)
    assert page.status_code == 200
    words = text(page)
    assert "Pay Billing Desk Hospital (sandbox)" in words and "Invoice INV-7" in words
    assert "Consultation (GP) 1 NGN 7,500.00 NGN 7,500.00" in words
    assert "Full blood count 2 NGN 2,500.00 NGN 5,000.00" in words
    assert "Amount due: NGN 12,500.00" in words and "ada.obi@example.org" in words
    assert f'<form method="post" action="/pay/{request_data["request_code"]}">' in page.text
    assert "Pay NGN 12,500.00 with test card</button>" in page.text
    cancel = re.search(r'<a class="button-link" href="([^"]+)">Cancel</a>', page.text).group(1)
    cancelled = requests.get(sandbox.base_url + cancel.replace("&amp;", "&"), timeout=5)
    assert "Payment cancelled. Nothing was charged" in text(cancelled) and "with test card" not in cancelled.text
    assert sandbox.api("GET", f"/paymentrequest/{request_data['id']}").json()["data"]["status"] == "pending"


def test_paying_marks_the_request_paid_by_card_and_sends_both_webhooks(sandbox, receiver, pending):
    customer, request_data = pending
    paid = requests.post(f"{sandbox.base_url}/pay/{request_data['request_code']}", timeout=5)
    assert paid.status_code == 200 and "Payment successful." in text(paid)
    sandbox.wait_for_deliveries()

    verified = sandbox.api("GET", f"/paymentrequest/verify/{request_data['request_code']}").json()["data"]
    assert (verified["status"], verified["paid"], verified["amount_paid"]) == ("success", True, 1_250_000)
    [transaction] = verified["transactions"]
    assert (transaction["channel"], transaction["amount"], transaction["source"]) == ("card", 1_250_000, None)
    assert transaction["customer"]["customer_code"] == customer["customer_code"]
    assert transaction["authorization"]["last4"] == "4081"

    assert receiver.events() == ["paymentrequest.success", "charge.success"]
    request_event, charge = (r["body"]["data"] for r in receiver.received)
    assert request_event["request_code"] == request_data["request_code"] and request_event["paid"] is True
    assert (charge["reference"], charge["channel"], charge["amount"]) == (transaction["reference"], "card", 1_250_000)
    assert charge["customer"]["customer_code"] == customer["customer_code"]
    assert "source" not in charge and charge["authorization"]["brand"] == "visa"
    verified_charge = sandbox.api("GET", f"/transaction/verify/{charge['reference']}").json()["data"]
    assert (verified_charge["status"], verified_charge["channel"]) == ("success", "card")


@pytest.mark.parametrize("how", ["paid", "archived", "unknown"])
def test_nothing_to_pay_is_said_in_words(sandbox, receiver, pending, how):
    _customer, request_data = pending
    code = request_data["request_code"]
    if how == "paid":
        requests.post(f"{sandbox.base_url}/pay/{code}", timeout=5)
        sandbox.wait_for_deliveries()
    elif how == "archived":
        sandbox.api("POST", f"/paymentrequest/archive/{code}")
    else:
        code = "PRQ_doesnotexist1"
    sent_before = len(receiver.received)

    page = requests.get(f"{sandbox.base_url}/pay/{code}", timeout=5)
    again = requests.post(f"{sandbox.base_url}/pay/{code}", timeout=5)

    expected = {"paid": (200, 409), "archived": (200, 409), "unknown": (404, 404)}[how]
    assert (page.status_code, again.status_code) == expected
    assert "with test card</button>" not in page.text + again.text
    words = text(again)
    assert {"paid": "Payment request is success; nothing to collect", "archived": "is archived; nothing to collect",
            "unknown": "There is no payment request with this link"}[how] in words
    sandbox.wait_for_deliveries()
    assert len(receiver.received) == sent_before


def test_the_terminals_page_says_the_card_was_declined_and_no_webhook_went(sandbox, receiver, pending):
    _customer, request_data = pending
    sandbox.push(request_data)
    assert sandbox.control("/terminals/2232WE17/decline").status_code == 200

    words = text(requests.get(sandbox.base_url + "/", timeout=5))
    assert f"Last payment: Declined {request_data['request_code']} · NGN 12,500.00." in words
    assert "Card declined — no webhook sent" in words
    assert sandbox.wait_for_deliveries() == [] and receiver.received == []


@pytest.mark.parametrize("filters", [{"terminal_id": "2232WE17"}, {"source": "pos"}, {"channel": "card"}, {}])
def test_transaction_lists_take_every_channel(sandbox, pending, filters):
    """A payment made on the pay page has no `source`: listing by terminal or source passes it over, not 500s."""
    _customer, request_data = pending
    requests.post(f"{sandbox.base_url}/pay/{request_data['request_code']}", timeout=5)
    sandbox.wait_for_deliveries()
    listed = sandbox.api("GET", "/transaction", params=filters)
    assert listed.status_code == 200, listed.text
    channels = [t["channel"] for t in listed.json()["data"]]
    assert channels == ([] if filters.get("terminal_id") or filters.get("source") else ["card"])
