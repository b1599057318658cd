"""Building the email for an outbox row: plain text and HTML alternatives, with the PDF attached."""
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from importlib import import_module

from flask import current_app, render_template

from billing_desk.billing.states import is_payable
from billing_desk.models.payment import channel_label
from billing_desk.public.links import public_invoice_url, public_url

# Receipts for patients (emailed or downloaded) are rendered as copy 0: a patient copy that does not count
# as one of the desk's printed copies (`Payment.receipt_print_count` is never touched here).
PATIENT_COPY = 0


def _pdf():
    return import_module("billing_desk.pdf")


def invoice_pdf(invoice):
    return f"invoice-{invoice.number}.pdf", _pdf().invoice_pdf_bytes(invoice)


def receipt_pdf(payment):
    name = f"receipt-{payment.invoice.number}-{payment.id}.pdf"
    return name, _pdf().render_receipt_pdf(payment, PATIENT_COPY, paper="a4")


def new_message_id():
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "billing-desk.local"
    return make_msgid(domain=domain)


def statement_pdf(row):
    from billing_desk.accounts.documents import statement_pdf as render

    return render(row.patient, row.statement_currency, row.statement_first, row.statement_last)


def _attachment(row):
    if row.kind == "statement":
        return statement_pdf(row)
    return receipt_pdf(row.payment) if row.kind == "receipt" else invoice_pdf(row.invoice)


def template_context(row):
    """The email's data. Its only pay link is the hospital's signed invoice page (`/p/<token>`): the pay button
    there asks Paystack for the balance at the moment the patient pays, so an old email never offers an old
    amount."""
    config = current_app.config
    invoice = row.invoice
    token_url = public_invoice_url(invoice.id) if invoice is not None else None
    return {
        "row": row,
        "invoice": invoice,
        "patient": row.patient or invoice.patient,
        "payment": row.payment,
        "channel_label": channel_label(row.payment.channel) if row.payment else None,
        "pay_url": token_url if invoice is not None and is_payable(invoice) else None,
        "invoice_url": token_url,
        "hospital": {
            "name": config["HOSPITAL_NAME"],
            "address": config["HOSPITAL_ADDRESS"],
            "phone": config["HOSPITAL_PHONE"],
            "footer": config["HOSPITAL_FOOTER"],
        },
        "test_mode": config["TEST_MODE"],
        "max_age_days": config["PUBLIC_LINK_MAX_AGE_DAYS"],
        "public_url": public_url,
    }


def report_context(row):
    """For a report to an administrator (no patient, no invoice): the reconciliation run and where to see it."""
    return {
        "row": row,
        "run": row.reconciliation_run,
        "run_url": current_app.config["PUBLIC_BASE_URL"].rstrip("/") + f"/reports/reconciliation/{row.reconciliation_run_id}",
        "hospital_name": current_app.config["HOSPITAL_NAME"],
        "test_mode": current_app.config["TEST_MODE"],
    }


def build_message(row):
    """The EmailMessage for `row` (which must have its recipient and Message-ID set)."""
    patient_email = row.kind != "reconciliation"  # the one kind sent to an administrator, about no patient
    context = template_context(row) if patient_email else report_context(row)
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = Address(context["patient"].full_name if patient_email else "", addr_spec=row.recipient)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = row.message_id
    message["Auto-Submitted"] = "auto-generated"
    message["X-Billing-Desk-Outbox"] = f"{row.kind}-{row.id}"
    message.set_content(render_template(f"email/{row.kind}.txt", **context))
    message.add_alternative(render_template(f"email/{row.kind}.html", **context), subtype="html")
    if patient_email:
        filename, data = _attachment(row)
        message.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return message
