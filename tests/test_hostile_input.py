"""The hostile requests that once gave a 500, pinned one by one (the fuzzer in `test_fuzz.py` looks wider)."""
import hashlib
import hmac
import io
import json

import pytest
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import Patient, PaymentRequest, Refund, TerminalPush, WebhookEvent
from billing_desk.paystack.webhooks import UNPROCESSABLE
from billing_desk.public.links import make_token
from tests.conftest import sign_in
from tests.fuzzing import fingerprint
from tests.one_of_each import seed_one_of_each

LIST_PAGES = ["/patients/", "/catalog/", "/invoices/", "/shifts/", "/admin/emails", "/admin/audit",
              "/paystack/events", "/admin/reviews"]


@pytest.fixture
def desk(app):
    cashier, admin = seed_one_of_each()
    return sign_in(app.test_client(), admin)


@pytest.mark.parametrize("page", ["9223372036854775808", "400000000000000000", "²", "9" * 5000, "-5"])
@pytest.mark.parametrize("url", LIST_PAGES)
def test_huge_or_odd_page_numbers_give_a_page(desk, url, page):
    assert desk.get(url, query_string={"page": page}).status_code == 200


@pytest.mark.parametrize("url", ["/patients/{}", "/catalog/{}/edit", "/paystack/events/{}", "/payments/{}/refund",
                                 "/invoices/{}", "/shifts/{}"])
@pytest.mark.parametrize("number", [2**31, 10**30, 0])
def test_ids_no_row_can_have_are_404(desk, url, number):
    assert desk.get(url.format(number)).status_code == 404


@pytest.mark.parametrize("cashier", ["2147483648", "²", "9" * 5000, "-1"])
def test_odd_cashier_filters_are_field_errors(desk, cashier):
    response = desk.get("/shifts/", query_string={"cashier": cashier})
    assert response.status_code == 422 and "Pick a cashier from the list." in response.get_data(as_text=True)


@pytest.mark.parametrize("url, field", [("/invoices/", "created_to"), ("/admin/emails", "created_to"),
                                        ("/shifts/", "opened_to"), ("/admin/audit", "date_to")])
def test_far_dates_are_field_errors(desk, url, field):
    response = desk.get(url, query_string={field: "9999-12-31"})
    assert response.status_code == 422 and "Enter a date between the years" in response.get_data(as_text=True)


def test_a_text_field_sent_as_a_file_is_refused_even_before_sign_in(client):
    response = client.post("/login", data={"csrf_token": client.csrf_token(), "email": (io.BytesIO(b"x"), "a.txt"),
                                           "password": "whatever"})
    assert response.status_code == 400 and "takes text, not files" in response.get_data(as_text=True)


@pytest.mark.parametrize("field, value", [("first_name", "Ada\x00"), ("address", "\x00"),
                                          ("last_name", (io.BytesIO(b"Obi"), "name.txt"))])
def test_unstorable_patient_details_are_refused_and_nothing_is_saved(desk, field, value):
    before = fingerprint()
    data = {"csrf_token": desk.csrf_token(), "first_name": "Ada", "last_name": "Obi", "sex": "female",
            "submission_key": "0" * 32, field: value}
    assert desk.post("/patients/new", data=data).status_code == 400
    assert fingerprint() == before
    assert db.session.scalar(select(func.count()).select_from(Patient)) == 1


def test_an_over_long_submission_key_stops_a_refund_before_anything_happens(desk):
    data = {"amount": "1", "method": "cash", "reason": "overcharged", "submission_key": "a" * 65}
    assert desk.post_form("/payments/1/refund", data).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 1  # only the seeded one


def test_an_over_long_submission_key_stops_a_terminal_charge_before_paystack(desk):
    before = db.session.scalar(select(func.count()).select_from(PaymentRequest))
    response = desk.post_form("/terminals/invoices/1/charge", {"charge-terminal": "1", "charge-submission_key": "a" * 65})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(PaymentRequest)) == before
    assert db.session.scalar(select(func.count()).select_from(TerminalPush)) == 1  # only the seeded one


def _signed(app, body):
    raw = json.dumps(body).encode()
    signature = hmac.new(app.config["PAYSTACK_SECRET_KEY"].encode(), raw, hashlib.sha512).hexdigest()
    return {"data": raw, "headers": {"x-paystack-signature": signature}, "content_type": "application/json"}


@pytest.mark.parametrize("body, reason", [
    ({"event": "charge.success\x00", "data": {"id": 1, "reference": "R1"}}, "NUL"),
    ({"event": "charge.success", "data": {"id": "12\x0034", "reference": "R2"}}, "NUL"),
    ({"event": "charge.success", "data": {"id": 10**30, "reference": "R3", "amount": 100}}, "too large"),
    ({"event": "paymentrequest.success", "data": {"id": 1, "amount": 10**30}}, "too large"),
])
def test_signed_webhooks_with_impossible_values_are_kept_as_unprocessable(app, desk, client, body, reason):
    for _ in range(2):  # Paystack's retry of it is a duplicate, not a second try at applying it
        assert client.post("/paystack/webhook", **_signed(app, body)).status_code == 200
    stored = db.session.scalars(select(WebhookEvent).where(WebhookEvent.outcome == UNPROCESSABLE)).one()
    assert stored.processed_at is not None and reason in stored.error and stored.duplicates == 1
    assert "\x00" not in stored.event and stored.attempts == 0
    page = desk.get("/paystack/events").get_data(as_text=True)
    assert UNPROCESSABLE in page and reason in page


def test_a_signed_link_for_an_impossible_invoice_is_404(client):
    assert client.get(f"/p/{make_token(10**30)}").status_code == 404
