"""`billing_desk.pdf`: what the invoice and receipt PDFs say, the TEST marking, paper sizes and the cache."""
import gc
import io
import threading
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from billing_desk import pdf
from billing_desk.billing.invoices import LineInput
from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.models import Invoice
from tests.factories import make_draft_invoice, make_issued_invoice, make_patient, make_staff
from tests.notifications.support import pdf_text

MM = 72 / 25.4


@pytest.fixture
def invoice(app):
    return make_issued_invoice(patient=make_patient(first_name="Emeka", last_name="Nwosu", mrn="H0777"),
                               lines=((750000, 1), (125050, 2)))


def pay(invoice, amount_minor, **fields):
    payment = record_payment(invoice.id, PaymentDetails(amount_minor, invoice.currency, fields.pop("channel", "cash"),
                                                        **fields), actor_id=None)
    db.session.commit()
    return payment


def cached_files(app, invoice):
    return sorted((Path(app.config["PDF_CACHE_DIR"]) / "invoices" / str(invoice.id)).iterdir())


def test_the_invoice_says_what_was_billed_and_paid(app, invoice):
    cashier = make_staff(full_name="Kemi Cashier")
    pay(invoice, 400000, channel="transfer", reference="TRF-881", received_by_id=cashier.id)

    text = pdf_text(pdf.render_invoice_pdf(db.session.get(Invoice, invoice.id)))

    for fact in (
        f"Invoice {invoice.number}", "Emeka Nwosu", "H0777", "Partially paid", "Item 1", "Item 2", "₦1,250.50",
        "₦2,501.00", "Subtotal ₦10,001.00", "Total ₦10,001.00", "Paid ₦4,000.00", "Balance due ₦6,001.00",
        "Bank transfer", "TRF-881", "St. Luke's General Hospital", "12 Marina Road, Lagos Island, Lagos",
        "+234 1 270 0000", "Please keep this document for your records.", "Page 1 of 1",
    ):
        assert fact in text, fact


def test_discounts_are_printed(app):
    invoice = make_draft_invoice(lines=[LineInput("X-ray", 2, 500000, 100000)], invoice_discount_minor=50000)
    invoice.number, invoice.status = "INV-2026-000123", "issued"
    db.session.commit()

    text = pdf_text(pdf.render_invoice_pdf(invoice))

    assert "Invoice discount −₦500.00" in text and "₦1,000.00" in text and "Total ₦8,500.00" in text


def test_a_void_invoice_says_so_in_words(app):
    text = pdf_text(pdf.render_invoice_pdf(make_issued_invoice(status="void")))

    assert "Void" in text and "Balance due" not in text


def test_a_draft_is_refused(app):
    with pytest.raises(pdf.PdfRefused, match="issue the invoice first"):
        pdf.invoice_pdf_bytes(make_draft_invoice())


@pytest.mark.parametrize("test_mode", [True, False])
@pytest.mark.parametrize("document", ["invoice", "receipt a4", "receipt roll"])
def test_every_pdf_is_marked_test_in_test_mode_only(app, invoice, test_mode, document):
    app.config["TEST_MODE"] = test_mode
    if document == "invoice":
        data = pdf.invoice_pdf_bytes(invoice)
    else:
        data = pdf.render_receipt_pdf(pay(invoice, 100000), 1, paper=document.split()[1])

    text = pdf_text(data)

    assert ("TEST MODE — not a real" in text) is test_mode
    assert ("TEST\n" in text) is test_mode  # the watermark


@pytest.mark.parametrize("copy_number, label", [(0, None), (1, None), (2, "COPY 2"), (7, "COPY 7")])
def test_receipt_copy_label(app, invoice, copy_number, label):
    text = pdf_text(pdf.render_receipt_pdf(pay(invoice, 100000), copy_number))

    assert ("COPY" in text) is (label is not None)
    if label:
        assert label in text


def test_the_receipt_balance_is_the_one_left_by_that_payment(app, invoice):
    first = pay(invoice, 400000)
    pay(invoice, 100000)

    text = pdf_text(pdf.render_receipt_pdf(first, 1))

    assert "Balance left ₦6,001.00" in text and "This payment ₦4,000.00" in text


@pytest.mark.parametrize("paper, width_mm", [("a4", 210), ("roll", 80)])
def test_paper_sizes(app, invoice, paper, width_mm):
    [page] = PdfReader(io.BytesIO(pdf.render_receipt_pdf(pay(invoice, 100000), 1, paper=paper))).pages

    assert float(page.mediabox.width) == pytest.approx(width_mm * MM, abs=0.5)


def test_an_unknown_paper_is_refused(app, invoice):
    with pytest.raises(ValueError, match="paper"):
        pdf.render_receipt_pdf(pay(invoice, 100000), 1, paper="letter")


def test_a_missing_logo_leaves_the_logo_out(app, invoice):
    app.config["HOSPITAL_LOGO"] = "/nonexistent/logo.svg"

    assert invoice.number in pdf_text(pdf.render_invoice_pdf(invoice))


def test_the_cache_gives_the_same_bytes_without_rendering_again(app, invoice, monkeypatch):
    first = pdf.invoice_pdf_bytes(invoice)

    def must_not_render(_invoice):
        raise AssertionError("rendered again")

    monkeypatch.setattr(pdf, "render_invoice_pdf", must_not_render)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        again = pdf.invoice_pdf_bytes(invoice)
        timings.append(time.perf_counter() - started)

    assert again == first
    assert min(timings) < 0.005
    [cached] = cached_files(app, invoice)
    assert cached.read_bytes() == first


def test_a_payment_makes_the_cache_render_again_and_drop_the_old_file(app, invoice):
    before = pdf.invoice_pdf_bytes(invoice)
    [old_file] = cached_files(app, invoice)

    pay(invoice, 250000)
    after = pdf.invoice_pdf_bytes(db.session.get(Invoice, invoice.id))

    assert after != before and "Paid ₦2,500.00" in pdf_text(after)
    [new_file] = cached_files(app, invoice)
    assert new_file != old_file and not old_file.exists()


@pytest.mark.parametrize("change", [
    lambda invoice: setattr(invoice.patient, "last_name", "Renamed"),
    lambda invoice: setattr(invoice, "notes", "Bring this invoice"),
    lambda invoice: invoice.lines[0].__setattr__("description", "Consultation"),
])
def test_anything_printed_changes_the_fingerprint(app, invoice, change):
    before = pdf.invoice_fingerprint(invoice)

    change(invoice)
    db.session.commit()

    assert pdf.invoice_fingerprint(db.session.get(Invoice, invoice.id)) != before


def test_hospital_details_and_test_mode_change_the_fingerprint(app, invoice):
    before = pdf.invoice_fingerprint(invoice)
    app.config["HOSPITAL_PHONE"] = "+234 800 000 0000"
    after_phone = pdf.invoice_fingerprint(invoice)
    app.config["TEST_MODE"] = not app.config["TEST_MODE"]

    assert len({before, after_phone, pdf.invoice_fingerprint(invoice)}) == 3


def test_a_failed_cache_write_leaves_no_partial_file(app, invoice, monkeypatch):
    def refuse(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(pdf.os, "replace", refuse)

    with pytest.raises(OSError, match="disk full"):
        pdf.invoice_pdf_bytes(invoice)
    assert cached_files(app, invoice) == []


def test_every_a4_page_has_the_footer_and_its_number(app):
    invoice = make_issued_invoice(lines=[(10000, 1)] * 80)

    pages = PdfReader(io.BytesIO(pdf.render_invoice_pdf(invoice))).pages

    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert "Please keep this document for your records." in text
        assert f"Page {number} of {len(pages)}" in text


@pytest.mark.parametrize("paper", pdf.PAPERS)
def test_a_receipt_carries_the_hospital_footer(app, invoice, paper):
    text = " ".join(pdf_text(pdf.render_receipt_pdf(pay(invoice, 100000), 1, paper=paper)).split())

    assert "Thank you for choosing us. Please keep this document for your records." in text


# -- what keeps a render cheap (bench/pages.py measures how cheap) ---------------------------------------------

def test_the_stylesheet_is_parsed_once_and_reused(app, invoice):
    pdf._parsed_stylesheet.cache_clear()

    first = pdf.render_invoice_pdf(invoice)
    second = pdf.render_invoice_pdf(invoice)

    info = pdf._parsed_stylesheet.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    assert "Total ₦10,001.00" in pdf_text(first) and "Total ₦10,001.00" in pdf_text(second)


def test_each_thread_keeps_its_own_font_configuration(app):
    other = []
    thread = threading.Thread(target=lambda: other.append(pdf._font_config()))
    thread.start()
    thread.join()

    assert pdf._font_config() is pdf._font_config()
    assert other[0] is not pdf._font_config()


@pytest.fixture
def collector_state():
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("fails", [False, True])
def test_the_garbage_collector_is_back_on_after_a_render(app, invoice, collector_state, monkeypatch, fails):
    seen = []
    render_html = pdf._html

    def html(*args, **kwargs):
        seen.append(gc.isenabled())
        if fails:
            raise RuntimeError("template broke")
        return render_html(*args, **kwargs)

    monkeypatch.setattr(pdf, "_html", html)
    gc.enable()

    if fails:
        with pytest.raises(RuntimeError, match="template broke"):
            pdf.render_invoice_pdf(invoice)
    else:
        pdf.render_invoice_pdf(invoice)

    assert seen == [False] and gc.isenabled()


def test_a_render_leaves_a_collector_that_was_off_off(app, invoice, collector_state):
    gc.disable()

    pdf.render_invoice_pdf(invoice)

    assert not gc.isenabled()
