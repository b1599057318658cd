"""The patient's signed invoice page: no login, read-only GET, friendly 404/410, PDFs, Pay online (against the
real Paystack sandbox: what the page links to is what the sandbox really made)."""
import time

import itsdangerous
import pytest
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import PaymentRequest
from billing_desk.paystack import creation
from billing_desk.public.links import make_token
from tests.factories import make_draft_invoice, make_patient
from tests.notifications.helpers import emailable_invoice, pay
from tests.notifications.support import PAY_URL_BASE, pdf_text


@pytest.fixture
def invoice(app):
    return emailable_invoice(lines=((750000, 2), (125050, 1)))


def page_of(client, invoice):
    return client.get(f"/p/{make_token(invoice.id)}")


def requests_for(invoice):
    return db.session.scalar(select(func.count(PaymentRequest.id)).where(PaymentRequest.invoice_id == invoice.id))


def test_page_shows_lines_totals_status_and_balance_without_login(client, invoice):
    response = page_of(client, invoice)

    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Invoice {invoice.number}" in text and "St. Luke&#39;s General Hospital" in text
    assert "Item 1" in text and "Item 2" in text and "₦16,250.50" in text
    assert "Issued — unpaid" in text and "Balance due: ₦16,250.50" in text
    assert "No payments yet." in text and "TEST" in text
    assert response.headers["Referrer-Policy"] == "same-origin" and response.headers["Cache-Control"] == "no-store"


def test_get_never_creates_a_payment_request(client, invoice, paystack_sandbox):
    token = make_token(invoice.id)  # once: a token made a second later differs (it carries its time)
    text = client.get(f"/p/{token}").get_data(as_text=True)

    assert "paystack.test/pay" not in text
    assert f'action="/p/{token}/pay"' in text and "Pay online" in text
    assert paystack_sandbox.calls() == [] and requests_for(invoice) == 0


def test_pay_always_goes_through_the_live_request_for_the_balance(client, invoice, paystack_sandbox):
    request = creation.ensure_payment_request(invoice.id)
    db.session.commit()  # as its callers do
    made = paystack_sandbox.calls()

    text = page_of(client, invoice).get_data(as_text=True)
    assert request.request_code not in text  # the page never links a request: the button asks at click time
    assert paystack_sandbox.calls() == made  # and the page only reads

    token = make_token(invoice.id)
    response = client.post_form(f"/p/{token}/pay")
    assert response.status_code == 303 and response.headers["Location"] == f"{PAY_URL_BASE}{request.request_code}"


def test_a_request_for_an_old_balance_is_not_linked(client, invoice):
    request = creation.ensure_payment_request(invoice.id)
    db.session.commit()  # as its callers do
    pay(invoice, 100000)

    text = page_of(client, invoice).get_data(as_text=True)

    assert "paystack.test/pay" not in text and request.request_code not in text


def test_pay_online_creates_the_request_once_and_redirects_to_paystack(client, invoice, paystack_sandbox):
    token = make_token(invoice.id)

    first = client.post_form(f"/p/{token}/pay")
    calls_after_first = paystack_sandbox.calls()
    again = client.post_form(f"/p/{token}/pay")

    [request] = db.session.scalars(select(PaymentRequest).where(PaymentRequest.invoice_id == invoice.id)).all()
    assert first.status_code == 303 and first.headers["Location"] == PAY_URL_BASE + request.request_code
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert calls_after_first.count("POST /paymentrequest") == 1
    assert paystack_sandbox.calls() == calls_after_first  # the second click reuses the stored request
    [at_paystack] = paystack_sandbox.state()["payment_requests"]
    assert (at_paystack["request_code"], at_paystack["amount"]) == (request.request_code, 1_625_050)


def test_pay_online_while_paystack_is_down_says_so(client, invoice, paystack_sandbox):
    paystack_sandbox.down()

    response = client.post_form(f"/p/{make_token(invoice.id)}/pay")

    assert response.status_code == 503
    assert "Online payment is not available just now" in response.get_data(as_text=True)
    assert paystack_sandbox.calls() and paystack_sandbox.state()["payment_requests"] == []
    assert db.session.scalar(select(func.count(PaymentRequest.id)).where(PaymentRequest.status == "pending")) == 0


def test_pay_online_needs_csrf(client, invoice, paystack_sandbox):
    assert client.post(f"/p/{make_token(invoice.id)}/pay").status_code == 400
    assert paystack_sandbox.calls() == []


def test_paid_invoice_shows_receipts_and_no_pay_button(client, invoice, paystack_sandbox):
    payment = pay(invoice, invoice.total_minor, channel="transfer", reference="TRF-9")

    text = page_of(client, invoice).get_data(as_text=True)

    assert "Paid" in text and "Bank transfer" in text and "Pay online" not in text
    assert f"/receipts/{payment.id}.pdf" in text
    assert client.post_form(f"/p/{make_token(invoice.id)}/pay").status_code == 303
    assert paystack_sandbox.calls() == []


def test_invoice_pdf_download(client, invoice):
    response = client.get(f"/p/{make_token(invoice.id)}/invoice.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"invoice-{invoice.number}.pdf" in response.headers["Content-Disposition"]
    assert invoice.number in pdf_text(response.data) and "16,250.50" in pdf_text(response.data)


def test_receipt_download_is_a_patient_copy_of_this_invoice_only(client, invoice):
    payment = pay(invoice, 500000)
    other = emailable_invoice()
    other_payment = pay(other, 100000)
    token = make_token(invoice.id)

    response = client.get(f"/p/{token}/receipts/{payment.id}.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert invoice.number in pdf_text(response.data)
    db.session.refresh(payment)
    assert payment.receipt_print_count == 0
    assert client.get(f"/p/{token}/receipts/{other_payment.id}.pdf").status_code == 404
    assert client.get(f"/p/{token}/receipts/999999.pdf").status_code == 404


def _assert_leaks_nothing(response, invoice):
    text = response.get_data(as_text=True)
    assert invoice.number not in text and invoice.patient.last_name not in text and invoice.patient.mrn not in text
    return text


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: token.replace(".", "", 1),
        lambda token: "not-a-token",
        lambda token: itsdangerous.URLSafeTimedSerializer("test-secret", salt="other-salt").dumps({"invoice": 1}),
        lambda token: itsdangerous.URLSafeTimedSerializer("wrong-secret", salt="billing-desk.public-invoice-link.v1")
        .dumps({"invoice": 1}),
    ],
    ids=["signature", "structure", "garbage", "other-salt", "other-secret"],
)
@pytest.mark.parametrize("suffix", ["", "/invoice.pdf", "/receipts/1.pdf"])
def test_tampered_links_get_a_friendly_404(client, invoice, mangle, suffix):
    response = client.get(f"/p/{mangle(make_token(invoice.id))}{suffix}")

    assert response.status_code == 404
    assert "This link does not work" in _assert_leaks_nothing(response, invoice)


def test_a_link_to_a_draft_or_a_deleted_invoice_is_404(client, app):
    draft = make_draft_invoice(patient=make_patient(email="a@example.org"))
    assert client.get(f"/p/{make_token(draft.id)}").status_code == 404
    assert client.get(f"/p/{make_token(987654)}").status_code == 404


def test_expired_link_gets_a_friendly_410(client, invoice, monkeypatch, app):
    age_days = app.config["PUBLIC_LINK_MAX_AGE_DAYS"]
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: int(time.time()) - (age_days * 86400 + 60))
    token = make_token(invoice.id)
    monkeypatch.undo()

    for suffix in ("", "/invoice.pdf"):
        response = client.get(f"/p/{token}{suffix}")
        assert response.status_code == 410
        assert "This link has expired" in _assert_leaks_nothing(response, invoice)
    assert client.post_form(f"/p/{token}/pay").status_code == 410


def test_link_still_works_just_inside_its_lifetime(client, invoice, monkeypatch, app):
    age_days = app.config["PUBLIC_LINK_MAX_AGE_DAYS"]
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: int(time.time()) - (age_days * 86400 - 60))
    token = make_token(invoice.id)
    monkeypatch.undo()

    assert client.get(f"/p/{token}").status_code == 200


def test_public_pages_are_rate_limited(client, app):
    statuses = [client.get("/p/not-a-token").status_code for _ in range(61)]
    assert statuses[:60] == [404] * 60 and statuses[60] == 429
