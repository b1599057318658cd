"""Payment requests: create rules, list filters, fetch/verify shapes, notify and archive."""
import pytest

pytestmark = pytest.mark.integration


def test_create_from_line_items_uses_the_total_rule_and_coerces_string_amounts(sandbox):
    customer = sandbox.customer()
    response = sandbox.api("POST", "/paymentrequest", json={
        "customer": customer["id"],
        "description": "Outpatient visit",
        "due_date": "2026-12-01",
        "line_items": [{"name": "Consultation", "amount": "750000", "quantity": 1},
                       {"name": "Full blood count", "amount": 250000, "quantity": "2"},
                       {"name": "Dressing", "amount": 1500}],
        "tax": [{"name": "VAT", "amount": "2000"}],
    }).json()

    data = response["data"]
    assert response["message"] == "Payment request created"
    assert data["amount"] == 750000 + 2 * 250000 + 1500 + 2000
    assert data["customer"] == customer["id"]
    assert data["status"] == "pending" and data["paid"] is False
    assert data["has_invoice"] is True and data["invoice_number"] == 1
    assert data["request_code"].startswith("PRQ_") and len(data["request_code"]) == 19
    assert data["offline_reference"] == f"463433{data['id']}"
    assert data["due_date"] == "2026-12-01T00:00:00.000Z"
    assert data["line_items"][2]["quantity"] == 1
    assert len(data["notifications"]) == 1  # send_notification defaults to true
    for key in ("pdf_url", "paid_at", "transactions"):
        assert key not in data


def test_amount_only_request_has_no_invoice_and_invoice_numbers_increment(sandbox):
    customer = sandbox.customer()
    plain = sandbox.payment_request(customer, amount=500000)
    first = sandbox.payment_request(customer)
    forced = sandbox.payment_request(customer, amount=1000, has_invoice=True)
    chosen = sandbox.payment_request(customer, invoice_number=40)
    after = sandbox.payment_request(customer)

    assert (plain["amount"], plain["has_invoice"], plain["invoice_number"], plain["line_items"]) == (
        500000, False, None, [])
    assert [r["invoice_number"] for r in (first, forced, chosen, after)] == [1, 2, 40, 41]


@pytest.mark.parametrize("body, message_part", [
    ({"amount": 1000}, "Customer"),
    ({"customer": "CUS_unknown", "amount": 1000}, "not found"),
    ({"customer": "{code}"}, "Amount"),
    ({"customer": "{code}", "amount": 1000, "currency": "EUR"}, "Currency"),
    ({"customer": "{code}", "line_items": [{"name": "x", "amount": "12.5"}]}, "integer"),
])
def test_create_validation_errors(sandbox, body, message_part):
    customer = sandbox.customer()
    if body.get("customer") == "{code}":
        body = {**body, "customer": customer["customer_code"]}
    response = sandbox.api("POST", "/paymentrequest", json=body)
    assert response.status_code == 400
    assert response.json()["status"] is False and response.json()["type"] == "validation_error"
    assert message_part in response.json()["message"]


def test_list_filters_by_customer_and_status_with_page_meta(sandbox):
    ada, bola = sandbox.customer(email="ada@example.org"), sandbox.customer(email="bola@example.org")
    sandbox.payment_request(ada, amount=1000)
    sandbox.payment_request(ada, amount=2000, draft=True)
    sandbox.payment_request(bola, amount=3000)

    body = sandbox.api("GET", "/paymentrequest", params={"customer": ada["id"], "status": "pending"}).json()
    assert body["message"] == "Payment requests retrieved"
    assert [r["amount"] for r in body["data"]] == [1000]
    assert body["data"][0]["customer"]["customer_code"] == ada["customer_code"]
    assert body["meta"] == {"total": 1, "skipped": 0, "perPage": 50, "page": 1, "pageCount": 1}

    drafts = sandbox.api("GET", "/paymentrequest", params={"status": "draft"}).json()["data"]
    assert [r["amount"] for r in drafts] == [2000]
    everything = sandbox.api("GET", "/paymentrequest", params={"perPage": 2}).json()
    assert everything["meta"]["total"] == 3 and everything["meta"]["pageCount"] == 2 and len(everything["data"]) == 2


def test_fetch_and_verify_shapes(sandbox):
    customer = sandbox.customer(first_name="Ada")
    created = sandbox.payment_request(customer, amount=42000)

    fetched = sandbox.api("GET", f"/paymentrequest/{created['id']}").json()
    by_code = sandbox.api("GET", f"/paymentrequest/{created['request_code']}").json()
    verified = sandbox.api("GET", f"/paymentrequest/verify/{created['request_code']}").json()

    assert fetched["message"] == "Payment request retrieved"
    assert fetched["data"] == by_code["data"]
    data = fetched["data"]
    assert data["customer"]["id"] == customer["id"] and data["customer"]["first_name"] == "Ada"
    assert data["transactions"] == [] and data["archived"] is False
    assert (data["paid_at"], data["pdf_url"], data["amount_paid"], data["pending_amount"]) == (None, None, 0, 42000)
    assert verified["status"] is True and verified["message"] == "Payment request retrieved"
    assert verified["data"]["integration"] == {
        "key": "pk_test_sandbox_suite", "name": verified["data"]["integration"]["name"], "logo": "",
        "allowed_currencies": ["NGN", "GHS", "ZAR", "USD"],
    }
    assert verified["data"]["pending_amount"] == 42000

    assert sandbox.api("GET", "/paymentrequest/PRQ_nope").status_code == 404


def test_notify_and_archive(sandbox):
    created = sandbox.payment_request(sandbox.customer(), amount=1000)

    notified = sandbox.api("POST", f"/paymentrequest/notify/{created['request_code']}")
    assert notified.json() == {"status": True, "message": "Notification sent"}

    archived = sandbox.api("POST", f"/paymentrequest/archive/{created['id']}")
    assert archived.json() == {"status": True, "message": "Payment request has been archived"}
    assert sandbox.api("GET", "/paymentrequest").json()["data"] == []
    assert len(sandbox.api("GET", "/paymentrequest", params={"include_archive": "true"}).json()["data"]) == 1
    assert sandbox.api("GET", f"/paymentrequest/{created['id']}").json()["data"]["archived"] is True
    verify = sandbox.api("GET", f"/paymentrequest/verify/{created['request_code']}")
    assert verify.status_code == 400 and verify.json()["status"] is False


def test_draft_then_finalize(sandbox):
    draft = sandbox.payment_request(sandbox.customer(), amount=1000, draft=True)
    assert draft["status"] == "draft"
    finalized = sandbox.api("POST", f"/paymentrequest/finalize/{draft['request_code']}").json()
    assert finalized["message"] == "Payment request finalized" and finalized["data"]["status"] == "pending"


def test_totals(sandbox):
    customer = sandbox.customer()
    sandbox.payment_request(customer, amount=1000)
    sandbox.payment_request(customer, amount=500, currency="GHS")
    totals = sandbox.api("GET", "/paymentrequest/totals").json()
    assert totals["message"] == "Payment request totals"
    assert {"currency": "NGN", "amount": 1000} in totals["data"]["pending"]
    assert totals["data"]["successful"] == []
