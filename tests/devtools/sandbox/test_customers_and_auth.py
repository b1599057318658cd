"""Auth, customers, envelopes and body formats, over real HTTP."""
import pytest
import requests

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer sk_test_wrong"}, {"Authorization": "sk_test_sandbox_suite"},
])
def test_missing_or_wrong_key_is_401_invalid_key(sandbox, headers):
    response = requests.get(sandbox.base_url + "/customer", headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json() == {"status": False, "message": "Invalid key"}


def test_customer_create_returns_the_existing_customer_for_a_known_email(sandbox):
    first = sandbox.api("POST", "/customer", json={"email": "Ada.Obi@Example.org", "first_name": "Ada"}).json()
    again = sandbox.api("POST", "/customer", json={"email": "ada.obi@example.org"}).json()

    assert first["status"] is True and first["message"] == "Customer created"
    assert again["status"] is True
    assert again["data"]["id"] == first["data"]["id"]
    assert again["data"]["customer_code"] == first["data"]["customer_code"]
    assert first["data"]["customer_code"].startswith("CUS_")
    assert first["data"]["email"] == "ada.obi@example.org"
    assert first["data"]["integration"] == 463433 and first["data"]["domain"] == "test"


def test_customer_fetch_by_email_or_code_and_update(sandbox):
    created = sandbox.customer(email="bola@example.org", first_name="Bola")

    by_email = sandbox.api("GET", "/customer/bola@example.org").json()
    by_code = sandbox.api("GET", f"/customer/{created['customer_code']}").json()
    assert by_email["message"] == "Customer retrieved"
    assert by_email["data"]["id"] == by_code["data"]["id"] == created["id"]
    assert by_code["data"]["transactions"] == [] and by_code["data"]["total_transactions"] == 0

    changes = {"last_name": "Ade", "phone": "+2348000000000"}
    updated = sandbox.api("PUT", f"/customer/{created['customer_code']}", json=changes)
    assert updated.json()["message"] == "Customer updated"
    assert updated.json()["data"]["last_name"] == "Ade"

    missing = sandbox.api("GET", "/customer/CUS_doesnotexist000")
    assert missing.status_code == 404 and missing.json()["status"] is False


def test_customer_create_validates_email(sandbox):
    for body in ({}, {"email": "not-an-email"}):
        response = sandbox.api("POST", "/customer", json=body)
        assert response.status_code == 400
        assert response.json()["status"] is False
        assert response.json()["type"] == "validation_error"


def test_customer_list_has_page_meta(sandbox):
    for n in range(3):
        sandbox.customer(email=f"p{n}@example.org")
    body = sandbox.api("GET", "/customer", params={"perPage": 2, "page": 2}).json()
    assert body["meta"] == {"total": 3, "skipped": 2, "perPage": 2, "page": 2, "pageCount": 2}
    assert [c["email"] for c in body["data"]] == ["p0@example.org"]


def test_form_encoded_bodies_are_accepted(sandbox):
    customer = sandbox.api("POST", "/customer", data={"email": "form@example.org", "first_name": "Form"}).json()["data"]
    created = sandbox.api(
        "POST",
        "/paymentrequest",
        data={
            "customer": customer["customer_code"],
            "line_items[0][name]": "X-ray",
            "line_items[0][amount]": "400000",
            "line_items[0][quantity]": "2",
            "tax[0][name]": "VAT",
            "tax[0][amount]": "6000",
            "send_notification": "false",
        },
    ).json()
    assert created["status"] is True
    assert created["data"]["amount"] == 806000
    assert created["data"]["notifications"] == []


def test_trailing_slash_is_tolerated(sandbox):
    assert sandbox.api("GET", "/terminal/2232WE17/").json()["data"]["terminal_id"] == "2232WE17"
    assert sandbox.api("GET", "/customer/").json()["status"] is True
