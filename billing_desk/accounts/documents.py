"""The statement of account as a PDF (for download and for the outbox's email)."""
from billing_desk import pdf
from billing_desk.accounts.statement import build_statement


def statement_pdf(patient, currency, first, last):
    """(filename, PDF bytes) of the patient's statement for `first`..`last`."""
    statement = build_statement(patient, currency, first, last)
    return (f"statement-{patient.mrn}-{first:%Y%m%d}-{last:%Y%m%d}-{currency}.pdf",
            pdf.render_statement_pdf(statement))
