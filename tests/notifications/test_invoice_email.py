"""The invoice email: structure, attachment, links, TEST banner, patients without an address, the view."""
import pytest
from flask import render_template_string
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import EmailOutbox, PaymentRequest
from billing_desk.notifications import outbox
from tests.factories import make_draft_invoice, make_issued_invoice, make_patient
from tests.notifications.helpers import (
    emailable_invoice,
    parts,
    pay,
    post_signed_in,
    public_path,
    send_invoice_email,
)
from tests.notifications.support import PAY_URL_BASE, pdf_text


def requests_of(invoice):
    return db.session.scalars(select(PaymentRequest).where(PaymentRequest.invoice_id == invoice.id)).all()


def test_invoice_email_has_text_html_pdf_pay_link_and_working_page_link(app, client, smtp_server, paystack_sandbox):
    invoice = emailable_invoice(lines=((750000, 2), (125050, 1)))

    row = send_invoice_email(invoice)

    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None
    [message] = smtp_server.messages
    assert message["Subject"] == f"[TEST] St. Luke's General Hospital: invoice {invoice.number}"
    assert message["To"].addresses[0].addr_spec == "ada.patient@example.org"
    assert message["Message-ID"] == row.message_id
    assert message.get_content_type() == "multipart/mixed"
    body, attachment = message.get_payload()
    assert body.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in body.get_payload()] == ["text/plain", "text/html"]
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"invoice-{invoice.number}.pdf"
    text_of_pdf = pdf_text(attachment.get_content())
    assert invoice.number in text_of_pdf and "16,250.50" in text_of_pdf

    text, html, _ = parts(message)
    # The only pay link is the hospital's signed page: no Paystack request exists until the patient presses Pay.
    assert requests_of(invoice) == [] and PAY_URL_BASE not in text + html
    assert f"Pay online: http://desk.test{public_path(text)}" in text and "Pay online" in html
    assert "₦16,250.50" in text and "₦16,250.50" in html

    page = client.get(public_path(text))
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert "Item 1" in shown and "Item 2" in shown and "₦16,250.50" in shown and "Issued — unpaid" in shown

    pressed = client.post_form(public_path(text) + "/pay")
    [request] = requests_of(invoice)
    assert pressed.headers["Location"] == PAY_URL_BASE + request.request_code
    at_paystack = paystack_sandbox.payment_request_at_paystack(request.request_code)
    assert (at_paystack["amount"], at_paystack["currency"], at_paystack["status"]) == (1_625_050, "NGN", "pending")
    assert at_paystack["customer"]["email"] == "ada.patient@example.org"
    assert invoice.number in at_paystack["description"]


@pytest.mark.parametrize("live", [False, True], ids=["test-mode", "live"])
def test_test_mode_banner_only_while_in_test_mode(app_config, live, smtp_server, paystack_sandbox, request):
    if live:
        app_config.update(PAYSTACK_SECRET_KEY="sk_live_abc", PAYSTACK_BASE_URL="https://api.paystack.co")
    app = request.getfixturevalue("app")
    assert app.config["TEST_MODE"] is not live
    # Nothing here may reach the real Paystack: the invoice is paid, so its email needs no pay link; and should
    # that ever change, the call lands on the sandbox (TEST_MODE was settled when the app was built) and fails.
    app.config["PAYSTACK_BASE_URL"] = paystack_sandbox.base_url
    invoice = emailable_invoice()
    pay(invoice, invoice.total_minor)

    assert send_invoice_email(invoice).status == "sent"

    assert paystack_sandbox.calls() == []
    [message] = smtp_server.messages
    text, html, _ = parts(message)
    assert message["Subject"].startswith("[TEST] ") is not live
    assert ("*** TEST" in text) is not live
    assert ("TEST — this email was sent by a test system" in html) is not live


@pytest.mark.parametrize(
    "email, reason",
    [(None, "No email on file"), ("", "No email on file"), ("  ", "No email on file"),
     ("0803-555-0101@patients.billing-desk.invalid", "No email on file"),
     ("ada@@example.org", "is not a valid address"), ("ada@localhost", "is not a valid address")],
)
def test_patients_without_a_usable_address_are_skipped_with_the_reason(app, smtp_server, paystack_sandbox, email,
                                                                        reason):
    invoice = make_issued_invoice(patient=make_patient(email=email))

    row = send_invoice_email(invoice)

    assert row.status == "skipped" and reason in row.last_error
    assert smtp_server.messages == [] and paystack_sandbox.calls() == [] and requests_of(invoice) == []


def test_the_email_goes_out_while_paystack_is_down(app, smtp_server, paystack_sandbox):
    """The email needs nothing from Paystack: its pay link is the signed page, which asks Paystack on click."""
    paystack_sandbox.down()
    invoice = emailable_invoice()

    row = send_invoice_email(invoice)

    assert row.status == "sent" and row.attempts == 1
    [message] = smtp_server.messages
    assert "/p/" in public_path(parts(message)[0])
    assert paystack_sandbox.calls() == [] and requests_of(invoice) == []


def test_paid_invoice_is_emailed_without_a_pay_link(app, smtp_server, paystack_sandbox):
    invoice = emailable_invoice()
    pay(invoice, invoice.total_minor)

    send_invoice_email(invoice)

    text, html, _ = parts(smtp_server.messages[0])
    assert "paystack.test" not in text + html and "fully paid" in text
    assert paystack_sandbox.calls() == [] and requests_of(invoice) == []


def test_send_invoice_button_emails_once_per_submission(cashier_client, smtp_server, paystack_sandbox):
    invoice = emailable_invoice()
    url = f"/invoices/{invoice.id}/send-email"

    first = post_signed_in(cashier_client, url, {"submission_key": "a" * 32})
    again = post_signed_in(cashier_client, url, {"submission_key": "a" * 32}, follow_redirects=True)

    assert first.status_code == 303 and first.headers["Location"].endswith(f"/invoices/{invoice.id}")
    assert "Invoice emailed to ada.patient@example.org." in again.get_data(as_text=True)
    assert len(smtp_server.messages) == 1
    assert db.session.scalar(select(func.count(EmailOutbox.id))) == 1
    row = db.session.scalars(select(EmailOutbox)).one()
    assert row.requested_by_id is not None and row.kind == "invoice"
    assert paystack_sandbox.calls() == []  # the pay link is made when the patient presses Pay, not now


def test_send_invoice_without_email_says_so(cashier_client, smtp_server):
    invoice = make_issued_invoice(patient=make_patient(email=None))

    page = post_signed_in(cashier_client, f"/invoices/{invoice.id}/send-email", follow_redirects=True)

    assert "No email on file — invoice not emailed." in page.get_data(as_text=True)
    assert smtp_server.messages == []


def test_send_invoice_refuses_a_draft(cashier_client, smtp_server):
    invoice = make_draft_invoice(patient=make_patient(email="ada@example.org"))

    page = post_signed_in(cashier_client, f"/invoices/{invoice.id}/send-email", follow_redirects=True)

    assert "Only an issued invoice can be emailed" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(EmailOutbox.id))) == 0


def test_send_invoice_unknown_invoice_is_404(cashier_client):
    assert post_signed_in(cashier_client, "/invoices/999999/send-email").status_code == 404


def test_send_invoice_needs_sign_in(client, app):
    invoice = emailable_invoice()
    assert client.post_form(f"/invoices/{invoice.id}/send-email").status_code == 302


def _panel(app, invoice):
    from billing_desk.invoices.panels import LOADERS

    with app.test_request_context():  # as the invoice page renders it: its data loaded first, by the view
        return render_template_string('{% include "notifications/_invoice_email_button.html" %}'
                                      '{% include "notifications/_invoice_emails.html" %}', invoice=invoice,
                                      panels={"emails": LOADERS["emails"](invoice)})


def test_invoice_panel_lists_emails_with_status_in_words(app, smtp_server):
    invoice = emailable_invoice()
    send_invoice_email(invoice)
    smtp_server.stop()
    send_invoice_email(invoice)

    panel = _panel(app, invoice)

    assert "Send invoice by email" in panel and 'name="submission_key"' in panel
    assert "Sent" in panel and "Not sent yet — will try again" in panel and "Could not connect" in panel


def test_invoice_panel_shows_no_email_note(app):
    invoice = make_issued_invoice(patient=make_patient(email=None))

    panel = _panel(app, invoice)

    assert "No email on file — invoice not emailed." in panel and "Send invoice by email" not in panel


def test_queue_invoice_email_only_flushes(app):
    invoice = emailable_invoice()
    row = outbox.queue_invoice_email(invoice)
    assert row.id is not None
    db.session.rollback()
    assert db.session.scalar(select(func.count(EmailOutbox.id))) == 0
