"""Invoice and receipt PDFs, rendered with WeasyPrint from `templates/pdf/`.

An issued invoice's PDF is downloaded and emailed many times but changes rarely, so `invoice_pdf_bytes`
keeps it in `PDF_CACHE_DIR` under a fingerprint of everything printed on it: a changed invoice (a payment,
a void, a renamed patient, an edited template) simply misses the cache, and nothing has to remember to
invalidate it. Receipts are not cached: each desk print carries its own copy number.

Every PDF is built from its HTML alone (the logo is inlined as a data: URI) and the renderer may fetch
nothing else, so text typed by patients or staff can never make it read a file or call out to the network.

Rendering is kept cheap (bench/pages.py compares an invoice with a one-line document): what does not change
between renders is made once and reused (the parsed stylesheet, each thread's font configuration, the decoded
logo), the templates avoid layouts WeasyPrint is slow at (flex, running elements, collapsed borders where there
are none), and the garbage collector waits until a render is over.
"""
import base64
import contextlib
import functools
import gc
import hashlib
import json
import mimetypes
import os
import tempfile
import threading
from pathlib import Path

from flask import current_app, render_template
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from billing_desk.billing.states import LABELS
from billing_desk.config import ROOT_DIR

PAPERS = ("a4", "roll")
ROLL_WIDTH_MM = 80
ROLL_MARGIN_MM = 4
# A roll receipt is first laid out on a page this long to measure it, then rendered exactly that long,
# so the printer feeds no blank paper after it.
_MEASURING_HEIGHT_MM = 2000
_CSS_PX_PER_MM = 96 / 25.4
_TEMPLATE_DIR = ROOT_DIR / "templates" / "pdf"
# Templates outside templates/pdf/ that the PDFs include: part of the cache fingerprint too.
_SHARED_TEMPLATES = (ROOT_DIR / "templates" / "invoices" / "_lines.html",)
RECEIPT_COPY_START = 2  # the first desk print is the original; the second and later say "COPY n"
_LOGO_TYPES = ("image/svg+xml", "image/png", "image/jpeg")
# WeasyPrint's decoded images, kept between renders: the logo (the only image) is parsed once per process.
_IMAGE_CACHE = {}
_THREAD_STATE = threading.local()


class PdfRefused(ValueError):
    """There is no PDF for this record; the message is fit to show staff."""


def _hospital():
    config = current_app.config
    return {key: config[f"HOSPITAL_{key.upper()}"] for key in ("name", "address", "phone", "footer")}


def _logo_path():
    """The configured logo when it is a readable SVG, PNG or JPEG file; otherwise the PDFs go without one."""
    path = Path(current_app.config.get("HOSPITAL_LOGO") or "")
    if path.is_file() and mimetypes.guess_type(path.name)[0] in _LOGO_TYPES:
        return path
    return None


def _logo_uri():
    path = _logo_path()
    if path is None:
        return None
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{mimetypes.guess_type(path.name)[0]};base64,{encoded}"


def _fetcher():
    """Fetches data: URIs only. A new one each time: a URLFetcher keeps the state of the fetch it is doing."""
    return URLFetcher(allowed_protocols={"data"})


def _html(template, paper, **context):
    page = render_template(
        f"pdf/{template}", paper=paper, hospital=_hospital(), logo=_logo_uri(),
        test_mode=current_app.config["TEST_MODE"], status_words=LABELS,
        roll_width_mm=ROLL_WIDTH_MM, roll_margin_mm=ROLL_MARGIN_MM, **context,
    )
    return HTML(string=page, url_fetcher=_fetcher())


@functools.lru_cache(maxsize=4)
def _parsed_stylesheet(css):
    """`_styles.css` parsed once per process (parsing it was about a tenth of every invoice render).

    Keyed by the rendered text rather than by paper, so an edited template is simply parsed again.
    """
    return CSS(string=css, url_fetcher=_fetcher())


def _font_config():
    """This thread's WeasyPrint font configuration, made on its first render and kept.

    Making one loads fontconfig's list of the system's fonts, a tenth of an invoice render. Each thread has its
    own because WeasyPrint does not say that one may be shared between threads.
    """
    config = getattr(_THREAD_STATE, "font_config", None)
    if config is None:
        config = _THREAD_STATE.font_config = FontConfiguration()
    return config


def _options(paper):
    """WeasyPrint's options for a render on `paper`: the shared, already parsed parts."""
    return {
        "stylesheets": [_parsed_stylesheet(render_template("pdf/_styles.css", paper=paper))],
        "font_config": _font_config(),
        "cache": _IMAGE_CACHE,
    }


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector paused for one render.

    A render builds some ten thousand objects that all live until the PDF is written, so the collector would walk
    them over and over, promote them, and every few renders start a full collection of the whole process (about
    100 ms with the app loaded: a fifth of an invoice render's CPU time on average). Nothing a render makes needs
    collecting before it ends. The switch is process-wide, so only the render that turned it off turns it back on.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _render(template, paper, **context):
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {PAPERS}, not {paper!r}")
    with _collector_paused():
        if paper == "a4":
            return _html(template, paper, **context).write_pdf(**_options(paper))
        measured = _html(template, paper, roll_height_mm=_MEASURING_HEIGHT_MM, **context).render(**_options(paper))
        # A roll slip ends with an empty element with id "end": its position is where the content stops.
        end_y_px = measured.pages[0].anchors["end"][1]
        height_mm = int(end_y_px / _CSS_PX_PER_MM) + 1 + ROLL_MARGIN_MM
        return _html(template, paper, roll_height_mm=height_mm, **context).write_pdf(**_options(paper))


# -- invoices -----------------------------------------------------------------------------------------------

def render_invoice_pdf(invoice):
    """The A4 invoice, rendered now (no cache). Drafts are refused: only an issued invoice has a number."""
    if invoice.number is None:
        raise PdfRefused("A draft has no PDF yet: issue the invoice first, which gives it its number.")
    return _render("invoice.html", "a4", invoice=invoice, patient=invoice.patient, payments=invoice.payments)


def _timestamp(value):
    return value.isoformat() if value is not None else None


def _file_stamp(path):
    stat = path.stat()
    return [path.name, stat.st_mtime_ns, stat.st_size]


def invoice_fingerprint(invoice):
    """A digest of everything the invoice PDF shows, and of the templates and logo it is drawn with."""
    patient = invoice.patient
    logo = _logo_path()
    facts = {
        "templates": [_file_stamp(path) for path in (*sorted(_TEMPLATE_DIR.iterdir()), *_SHARED_TEMPLATES)],
        "logo": [str(logo), *_file_stamp(logo)] if logo else None,
        "hospital": _hospital(),
        "test_mode": current_app.config["TEST_MODE"],
        "invoice": [
            invoice.id, invoice.number, invoice.status, _timestamp(invoice.updated_at), invoice.currency,
            _timestamp(invoice.issued_at), _timestamp(invoice.due_date), invoice.notes, invoice.void_reason,
            invoice.subtotal_minor, invoice.discount_minor, invoice.invoice_discount_minor, invoice.total_minor,
            invoice.amount_paid_minor, invoice.amount_refunded_minor,
        ],
        "patient": [patient.id, patient.first_name, patient.last_name, patient.mrn],
        "lines": [
            [line.description, line.quantity, line.unit_price_minor, line.discount_minor, line.line_total_minor]
            for line in invoice.lines
        ],
        "payments": [
            [p.id, p.amount_minor, p.currency, p.channel, p.reference, p.paystack_reference, _timestamp(p.paid_at),
             p.received_by.full_name if p.received_by else None]
            for p in invoice.payments
        ],
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def _write_atomically(path, data):
    """Write to a temporary file beside `path`, then rename: readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def invoice_pdf_bytes(invoice):
    """The invoice PDF, from the cache when nothing printed on it has changed since it was last rendered."""
    folder = Path(current_app.config["PDF_CACHE_DIR"]) / "invoices" / str(invoice.id)
    path = folder / f"{invoice_fingerprint(invoice)}.pdf"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = render_invoice_pdf(invoice)
    _write_atomically(path, data)
    for stale in folder.glob("*.pdf"):  # earlier versions of this invoice will never be asked for again
        if stale != path:
            stale.unlink(missing_ok=True)
    return data


# -- receipts -----------------------------------------------------------------------------------------------

def balance_after(payment):
    """What was still owed on the invoice once this payment was in: the same on every reprint.

    Refunds do not change it: refunded money is taken off the amount paid and is not owed again.
    """
    invoice = payment.invoice
    paid_up_to_now = sum(p.amount_minor for p in invoice.payments if p.id <= payment.id)
    return max(invoice.total_minor - paid_up_to_now, 0)


def render_receipt_pdf(payment, copy_number, paper="a4"):
    """A receipt for one payment on A4 or an 80 mm roll (`paper` "a4" | "roll").

    `copy_number` 0 is the patient's copy (emailed or downloaded, not counted), 1 the desk's first print,
    and from 2 on the print says "COPY n".
    """
    invoice = payment.invoice
    return _render(
        "receipt.html", paper, payment=payment, invoice=invoice, patient=invoice.patient,
        balance_after=balance_after(payment), copy_label=copy_label(copy_number),
    )


def copy_label(copy_number):
    """"COPY n" on the second and later desk prints of a receipt, whatever paper each was printed on."""
    return f"COPY {copy_number}" if copy_number >= RECEIPT_COPY_START else None


# -- patients' accounts ------------------------------------------------------------------------------------

def render_account_entry_pdf(entry, copy_number, paper="a4"):
    """A deposit receipt or a deposit refund document for one account entry, numbered like a receipt."""
    return _render(
        "account_entry.html", paper, entry=entry, patient=entry.patient,
        copy_label=copy_label(copy_number),
    )


def render_statement_pdf(statement):
    """The A4 statement of account (`accounts.statement.Statement`) with its running balance."""
    return _render("statement.html", "a4", statement=statement, patient=statement.patient)
