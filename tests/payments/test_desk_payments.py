"""Cash and bank transfer payments taken at the desk, through the test client with CSRF on."""
import uuid

import pytest
from sqlalchemy import select

from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.models import AuditEntry, EmailOutbox, Invoice
from tests.factories import make_draft_invoice, make_issued_invoice, make_patient
from tests.notifications.helpers import parts
from tests.notifications.support import pdf_text
from tests.payments.helpers import pay_at_desk, payments_of


@pytest.fixture
def invoice(app):
    """An issued ₦7,500.00 invoice for a patient without an email address."""
    return make_issued_invoice()


def test_cash_with_change_is_recorded_and_the_change_shown(cashier_client, cashier, invoice):
    response = pay_at_desk(cashier_client, invoice, amount="5000", tendered="6,000.00")

    [payment] = payments_of(invoice)
    assert response.status_code == 303 and response.location.endswith(f"/payments/{payment.id}")
    assert (payment.channel, payment.amount_minor, payment.tendered_minor, payment.change_minor) == (
        "cash", 500000, 600000, 100000)
    assert payment.received_by_id == cashier.id and payment.reference is None
    assert db.session.get(Invoice, invoice.id).status == "partially_paid"
    page = cashier_client.get(response.location).get_data(as_text=True)
    assert "Change to give the patient" in page and "₦1,000.00" in page
    assert "Payment of ₦5,000.00 recorded." in page and "Cathy Cashier" in page


def test_cash_without_tendered_means_the_exact_amount(cashier_client, invoice):
    pay_at_desk(cashier_client, invoice, amount="7500")

    [payment] = payments_of(invoice)
    assert payment.tendered_minor is None and payment.change_minor is None
    assert db.session.get(Invoice, invoice.id).status == "paid"
    assert "Change to give" not in cashier_client.get(f"/payments/{payment.id}").get_data(as_text=True)


def test_bank_transfer_keeps_its_reference_and_ignores_tendered(cashier_client, cashier, invoice):
    response = pay_at_desk(cashier_client, invoice, amount="7500", channel="transfer", tendered="9000",
                           reference=" GTB-123456 ")

    assert response.status_code == 303
    [payment] = payments_of(invoice)
    assert (payment.channel, payment.reference, payment.tendered_minor) == ("transfer", "GTB-123456", None)
    assert payment.received_by_id == cashier.id
    assert db.session.get(Invoice, invoice.id).status == "paid"


@pytest.mark.parametrize("channel, words", [("transfer", "Bank transfer"), ("card_terminal", "Card (terminal)"),
                                            ("online", "Card (online)")])
def test_pages_name_the_channel_in_words(cashier_client, invoice, channel, words):
    payment = record_payment(invoice.id, PaymentDetails(100000, "NGN", channel, reference="R-1"), actor_id=None)
    db.session.commit()
    payment_page = cashier_client.get(f"/payments/{payment.id}").get_data(as_text=True)
    assert f"<dt>Paid by</dt><dd>{words}</dd>" in payment_page
    invoice_page = cashier_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert f"<td>{words}</td>" in invoice_page and f"by {words.lower()}" in invoice_page
    assert f"<td>{channel}</td>" not in invoice_page and f"by {channel.replace('_', ' ')}<" not in invoice_page


def test_partial_then_full_payment(cashier_client, invoice):
    pay_at_desk(cashier_client, invoice, amount="2500")
    assert db.session.get(Invoice, invoice.id).status == "partially_paid"

    pay_at_desk(cashier_client, invoice, amount="5000", channel="transfer", reference="REF-2")

    invoice = db.session.get(Invoice, invoice.id)
    assert invoice.status == "paid" and invoice.amount_paid_minor == 750000 and invoice.balance_due_minor == 0
    assert [p.amount_minor for p in payments_of(invoice)] == [250000, 500000]


def test_more_than_the_balance_is_refused(cashier_client, invoice):
    pay_at_desk(cashier_client, invoice, amount="5000")

    response = pay_at_desk(cashier_client, invoice, amount="2500.01", tendered="3000")

    assert response.status_code == 422
    assert 'id="amount-err">The amount is more than the balance due of ₦2,500.00.' in response.get_data(as_text=True)
    assert len(payments_of(invoice)) == 1
    assert db.session.get(Invoice, invoice.id).amount_paid_minor == 500000


@pytest.mark.parametrize("field, typed, message", [
    ("amount", "-100", "The amount cannot be negative."),
    ("amount", "0", "The amount must be more than zero."),
    ("amount", "", "Enter an amount."),
    ("amount", "ten naira", "Enter the amount as a number, e.g. 1500 or 1500.50."),
    ("amount", "1e3", "Enter the amount as a number, e.g. 1500 or 1500.50."),
    ("amount", "100.005", "Use at most 2 decimal places."),
    ("amount", "99999999999999", "That amount is too large."),
    ("tendered", "lots", "Enter the amount as a number, e.g. 1500 or 1500.50."),
    ("tendered", "-1", "The amount cannot be negative."),
])
def test_bad_amounts_are_field_errors(cashier_client, invoice, field, typed, message):
    data = {"amount": "1000", "tendered": "", field: typed}

    response = pay_at_desk(cashier_client, invoice, **data)

    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-err">{message}' in text.replace("&#39;", "'")
    assert payments_of(invoice) == []


def test_tendered_less_than_the_amount_is_refused(cashier_client, invoice):
    response = pay_at_desk(cashier_client, invoice, amount="5000", tendered="4000")

    assert response.status_code == 422
    assert 'id="tendered-err">The cash tendered is less than the amount being paid.' in response.get_data(as_text=True)
    assert payments_of(invoice) == []


@pytest.mark.parametrize("reference", ["", "   "])
def test_a_transfer_needs_its_reference(cashier_client, invoice, reference):
    response = pay_at_desk(cashier_client, invoice, amount="1000", channel="transfer", reference=reference)

    assert response.status_code == 422
    assert "Enter the bank transfer&#39;s reference." in response.get_data(as_text=True)
    assert payments_of(invoice) == []


@pytest.mark.parametrize("data, message", [
    ({"reference": "R" * 101, "channel": "transfer"}, "Use at most 100 characters."),
    ({"channel": "card_terminal"}, "Choose cash or bank transfer."),
    ({"key": "k" * 65}, "The form was out of date. Please reload the page and try again."),  # longer than its column
])
def test_other_bad_input_is_refused(cashier_client, invoice, data, message):
    response = pay_at_desk(cashier_client, invoice, amount="1000", **data)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert payments_of(invoice) == []


def test_a_double_submit_records_one_payment(cashier_client, invoice):
    key = uuid.uuid4().hex

    first = pay_at_desk(cashier_client, invoice, amount="1000", key=key)
    second = pay_at_desk(cashier_client, invoice, amount="1000", key=key)

    [payment] = payments_of(invoice)
    assert first.status_code == second.status_code == 303
    assert first.location == second.location and second.location.endswith(f"/payments/{payment.id}")
    assert payment.submission_key == key
    assert db.session.get(Invoice, invoice.id).amount_paid_minor == 100000
    assert "already recorded; it was not taken twice" in cashier_client.get(second.location).get_data(as_text=True)


@pytest.mark.parametrize("make, words", [
    (lambda: make_draft_invoice(), "This invoice is draft and cannot take payments."),
    (lambda: make_issued_invoice(status="void"), "This invoice is void and cannot take payments."),
    (lambda: make_issued_invoice(status="paid"), "This invoice is paid and cannot take payments."),
])
def test_an_invoice_that_cannot_be_paid_refuses_with_a_message(cashier_client, make, words):
    invoice = make()

    response = pay_at_desk(cashier_client, invoice, amount="100")

    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert payments_of(invoice) == []
    page = cashier_client.get(f"/invoices/{invoice.id}/payments").get_data(as_text=True)
    assert words in page and "Record payment" not in page


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("invoice_id", [987654, 2**40])
def test_unknown_invoice_is_404(cashier_client, method, invoice_id):
    url = f"/invoices/{invoice_id}/payments"
    response = cashier_client.get(url) if method == "get" else cashier_client.post_form(url, {"amount": "1"})

    assert response.status_code == 404


def test_posting_without_csrf_records_nothing(cashier_client, invoice):
    response = cashier_client.post(f"/invoices/{invoice.id}/payments", data={"channel": "cash", "amount": "100"})

    assert response.status_code == 400 and payments_of(invoice) == []


def test_signed_out_staff_are_sent_to_sign_in(client, invoice):
    assert client.get(f"/invoices/{invoice.id}/payments").status_code == 302
    assert client.get(f"/invoices/{invoice.id}/invoice.pdf").status_code == 302


def test_the_payment_is_audited_with_the_cashier(cashier_client, cashier, invoice):
    pay_at_desk(cashier_client, invoice, amount="1000", channel="transfer", reference="TRF-9")

    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "payment.recorded")).all()
    assert entry.actor_id == cashier.id and entry.invoice_id == invoice.id
    assert entry.after["amount_minor"] == 100000 and entry.after["reference"] == "TRF-9"
    assert entry.before["status"] == "issued" and entry.after["status"] == "partially_paid"


def test_one_receipt_email_per_payment_with_the_receipt_attached(cashier_client, smtp_server):
    invoice = make_issued_invoice(patient=make_patient(email="ada.patient@example.org"))
    key = uuid.uuid4().hex

    pay_at_desk(cashier_client, invoice, amount="1000", tendered="1500", key=key)
    pay_at_desk(cashier_client, invoice, amount="1000", tendered="1500", key=key)  # double click
    pay_at_desk(cashier_client, invoice, amount="2000")

    first, second = payments_of(invoice)
    rows = db.session.scalars(select(EmailOutbox).where(EmailOutbox.kind == "receipt").order_by(EmailOutbox.id)).all()
    assert [(row.payment_id, row.status) for row in rows] == [(first.id, "sent"), (second.id, "sent")]
    assert len(smtp_server.messages) == 2
    _, _, [attachment] = parts(smtp_server.messages[0])
    text = pdf_text(attachment.get_content())
    assert "₦1,000.00" in text and "₦500.00" in text and "COPY" not in text


def test_a_patient_without_email_gets_a_skipped_receipt_row(cashier_client, invoice, smtp_server):
    pay_at_desk(cashier_client, invoice, amount="1000")

    [row] = db.session.scalars(select(EmailOutbox)).all()
    assert (row.kind, row.status, row.payment_id) == ("receipt", "skipped", payments_of(invoice)[0].id)
    assert smtp_server.messages == []


def test_the_invoice_page_offers_the_desk_form_only_while_money_is_due(cashier_client, invoice):
    page = cashier_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Take a payment: cash or transfer" in page and 'name="submission_key"' in page
    assert f'action="/invoices/{invoice.id}/payments"' in page

    pay_at_desk(cashier_client, invoice, amount="7500")

    page = cashier_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Take a payment: cash or transfer" not in page
    payment = payments_of(invoice)[0]
    assert f'action="/payments/{payment.id}/receipt/a4"' in page and "Print receipt (A4)" in page
    assert f'action="/payments/{payment.id}/receipt/roll"' in page and "Print receipt (80 mm roll)" in page


def test_each_rendered_form_has_its_own_submission_key(cashier_client, invoice):
    keys = [
        cashier_client.get(f"/invoices/{invoice.id}/payments").get_data(as_text=True).split('name="submission_key"')[1][:60]
        for _ in range(2)
    ]
    assert keys[0] != keys[1]
