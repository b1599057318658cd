"""The desk's documents: receipt prints (counted, audited, "COPY n") and the invoice PDF download."""
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from billing_desk.config import ROOT_DIR
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


def printed_page(client, payment, paper="a4"):
    """Print (counted) and follow to the printable receipt, as the browser does."""
    response = print_receipt(client, payment, paper)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_the_first_print_is_the_original_and_later_ones_say_copy_n_whatever_the_paper(cashier_client, cashier,
                                                                                        payment):
    first = print_receipt(cashier_client, payment)
    assert first.headers["Location"].endswith(f"/payments/{payment.id}/receipt/a4/1")
    html = cashier_client.get(first.headers["Location"]).get_data(as_text=True)
    assert "COPY" not in html.replace("COPY n", "") and "This is the original." in html
    for fact in (payment.invoice.number, "Ngozi Okafor", "H0042", "₦5,000.00", "Cash", "₦6,000.00", "₦1,000.00",
                 "Cathy Cashier", "Balance left", "₦2,500.00", "Paid for", "Item 1", 'class="receipt paper-a4"',
                 "data-autoprint", 'src="/static/js/print.js"'):
        assert fact in html
    assert "<script>" not in html and "onclick" not in html
    assert '<p class="copy">COPY 2</p>' in printed_page(cashier_client, payment, "roll")
    third = printed_page(cashier_client, payment, "a4")
    assert '<p class="copy">COPY 3</p>' in third and 'class="receipt paper-a4"' in third
    assert db.session.get(Payment, payment.id, populate_existing=True).receipt_print_count == 3
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "receipt.printed")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.after["receipt_print_count"], e.after["paper"], e.actor_id) for e in entries] == [
        (1, "a4", cashier.id), (2, "roll", cashier.id), (3, "a4", cashier.id)]


def test_the_roll_receipt_is_laid_out_for_80_mm(cashier_client, payment):
    html = printed_page(cashier_client, payment, "roll")
    assert 'class="receipt paper-roll"' in html and "80 mm roll" in html
    css = (ROOT_DIR / "static" / "css" / "receipt.css").read_text()
    assert "@page roll { size: 80mm" in css and ".paper-roll { width: 72mm" in css


@pytest.mark.parametrize("copy", [2, 0])
def test_a_copy_not_yet_printed_has_no_page(cashier_client, payment, copy):
    print_receipt(cashier_client, payment)
    assert cashier_client.get(f"/payments/{payment.id}/receipt/a4/{copy}").status_code == 404
    assert db.session.get(Payment, payment.id, populate_existing=True).receipt_print_count == 1


def test_the_downloaded_receipt_pdf_is_the_patients_copy_and_is_not_counted(cashier_client, payment):
    response = cashier_client.get(f"/payments/{payment.id}/receipt-roll.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    number = payment.invoice.number
    assert response.headers["Content-Disposition"] == f'attachment; filename="receipt-{number}-{payment.id}-roll.pdf"'
    [page] = PdfReader(io.BytesIO(response.data)).pages
    assert float(page.mediabox.width) == pytest.approx(80 * MM, abs=0.5)
    assert 60 * MM < float(page.mediabox.height) < 297 * MM
    text = pdf_text(response.data)
    for fact in (number, "Ngozi Okafor", "H0042", "₦5,000.00", "Cash", "Cathy Cashier", "Balance left ₦2,500.00"):
        assert fact in text
    assert "COPY" not in text
    assert db.session.get(Payment, payment.id, populate_existing=True).receipt_print_count == 0


def test_the_a4_receipt_pdf_is_a4(cashier_client, payment):
    [page] = PdfReader(io.BytesIO(cashier_client.get(f"/payments/{payment.id}/receipt-a4.pdf").data)).pages

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


def test_the_payment_page_offers_both_receipts(cashier_client, payment):
    page = cashier_client.get(f"/payments/{payment.id}").get_data(as_text=True)

    assert "Print receipt (A4)" in page and "Print receipt (80 mm roll)" in page and 'name="csrf_token"' in page
    assert f"/payments/{payment.id}/receipt-a4.pdf" in page


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
