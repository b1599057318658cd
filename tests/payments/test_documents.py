"""The desk's documents: receipt prints (counted, audited, "COPY n") and the invoice PDF download."""
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Payment
from tests.factories import make_draft_invoice, make_issued_invoice, make_patient
from tests.notifications.support import pdf_text
from tests.payments.helpers import pay_at_desk, payments_of

MM = 72 / 25.4  # PDF points per millimetre


@pytest.fixture
def payment(cashier_client):
    invoice = make_issued_invoice(patient=make_patient(first_name="Ngozi", last_name="Okafor", mrn="H0042"))
    pay_at_desk(cashier_client, invoice, amount="5000", tendered="6000")
    return payments_of(invoice)[0]


def print_receipt(client, payment, paper="a4"):
    return client.post_form(f"/payments/{payment.id}/receipt/{paper}")


def test_the_first_print_is_the_original_and_later_ones_say_copy_n(cashier_client, cashier, payment):
    first = print_receipt(cashier_client, payment)
    second = print_receipt(cashier_client, payment, "roll")
    third = print_receipt(cashier_client, payment)

    assert first.status_code == 200 and first.mimetype == "application/pdf"
    number = payment.invoice.number
    assert first.headers["Content-Disposition"] == f'inline; filename="receipt-{number}-{payment.id}-copy1-a4.pdf"'
    text = pdf_text(first.data)
    assert "COPY" not in text
    for fact in (number, "Ngozi Okafor", "H0042", "₦5,000.00", "Cash", "₦6,000.00", "₦1,000.00", "Cathy Cashier",
                 "Balance left ₦2,500.00"):
        assert fact in text
    assert "COPY 2" in pdf_text(second.data) and "COPY 3" in pdf_text(third.data)
    assert db.session.get(Payment, payment.id, populate_existing=True).receipt_print_count == 3
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "receipt.printed")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.after["receipt_print_count"], e.after["paper"], e.actor_id) for e in entries] == [
        (1, "a4", cashier.id), (2, "roll", cashier.id), (3, "a4", cashier.id)]


def test_the_roll_receipt_is_80_mm_wide_and_as_long_as_its_content(cashier_client, payment):
    [page] = PdfReader(io.BytesIO(print_receipt(cashier_client, payment, "roll").data)).pages

    assert float(page.mediabox.width) == pytest.approx(80 * MM, abs=0.5)
    assert 60 * MM < float(page.mediabox.height) < 297 * MM


def test_the_a4_receipt_is_a4(cashier_client, payment):
    [page] = PdfReader(io.BytesIO(print_receipt(cashier_client, payment).data)).pages

    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((210 * MM, 297 * MM), abs=0.5)


@pytest.mark.parametrize("method", ["get", "head"])
def test_looking_at_the_receipt_url_prints_nothing(cashier_client, payment, method):
    response = getattr(cashier_client, method)(f"/payments/{payment.id}/receipt/a4")

    assert response.status_code == 405
    assert db.session.get(Payment, payment.id, populate_existing=True).receipt_print_count == 0


def test_printing_needs_the_csrf_token(cashier_client, payment):
    assert cashier_client.post(f"/payments/{payment.id}/receipt/a4").status_code == 400
    assert db.session.get(Payment, payment.id, populate_existing=True).receipt_print_count == 0


@pytest.mark.parametrize("url", ["/payments/999999/receipt/a4", "/payments/{id}/receipt/letter"])
def test_unknown_payment_or_paper_is_404(cashier_client, payment, url):
    assert cashier_client.post_form(url.format(id=payment.id)).status_code == 404


def test_a_print_that_fails_to_render_is_not_counted(app, cashier_client, payment, monkeypatch):
    from billing_desk import pdf

    def broken(*_args, **_kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(pdf, "render_receipt_pdf", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    assert print_receipt(cashier_client, payment).status_code == 500
    assert db.session.get(Payment, payment.id, populate_existing=True).receipt_print_count == 0
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "receipt.printed")) is None


def test_the_payment_page_offers_both_receipts(cashier_client, payment):
    page = cashier_client.get(f"/payments/{payment.id}").get_data(as_text=True)

    assert "Receipt (A4)" in page and "Receipt (80 mm roll)" in page and 'name="csrf_token"' in page


def test_unknown_payment_page_is_404(cashier_client):
    assert cashier_client.get("/payments/424242").status_code == 404


def test_invoice_pdf_download(cashier_client, payment):
    invoice = payment.invoice

    response = cashier_client.get(f"/invoices/{invoice.id}/invoice.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="invoice-{invoice.number}.pdf"'
    text = pdf_text(response.data)
    for fact in (f"Invoice {invoice.number}", "Ngozi Okafor", "H0042", "Partially paid", "Total ₦7,500.00",
                 "Paid ₦5,000.00", "Balance due ₦2,500.00"):
        assert fact in text
    assert cashier_client.get(f"/invoices/{invoice.id}/invoice.pdf").data == response.data
    assert "Download invoice PDF" in cashier_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)


def test_a_draft_has_no_pdf(cashier_client):
    draft = make_draft_invoice()

    response = cashier_client.get(f"/invoices/{draft.id}/invoice.pdf")

    assert response.status_code == 404 and "issue the invoice first" in response.get_data(as_text=True)


def test_unknown_invoice_pdf_is_404(cashier_client):
    assert cashier_client.get("/invoices/31337/invoice.pdf").status_code == 404
