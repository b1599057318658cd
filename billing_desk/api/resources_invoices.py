"""/api/v1/invoices: drafts from service codes or free lines, more lines, issue, void, get and list.

Every change goes through `billing_desk.billing.invoices` (totals, discount limits, numbering, states); this
module only turns service codes into the price list's services and JSON into `LineInput`s.
"""
from flask import current_app
from sqlalchemy import select

from billing_desk.api.envelope import ApiError
from billing_desk.api.framework import endpoint
from billing_desk.api.pages import filtered_page, load_or_404
from billing_desk.api.routes import bp
from billing_desk.api.outputs import InvoiceOut, InvoicePage
from billing_desk.api.schemas import InvoiceIn, InvoiceQuery, IssueIn, LinesIn, VoidIn
from billing_desk.approvals import policy
from billing_desk.billing import invoices
from billing_desk.billing.invoices import LineInput
from billing_desk.catalog.service import get_cashier_max_discount_bp
from billing_desk.extensions import db
from billing_desk.models import Invoice, Patient, Service


def _line_inputs(lines, first_index=0):
    """JSON lines as `LineInput`s; an unknown service code is refused with the line it is on."""
    codes = {line.service_code.strip() for line in lines if line.service_code}
    services = {s.code: s for s in db.session.scalars(select(Service).where(Service.code.in_(codes)))} if codes else {}
    built = []
    for index, line in enumerate(lines, start=first_index):
        service = None
        if line.service_code:
            service = services.get(line.service_code.strip())
            if service is None:
                raise ApiError(422, "unknown_service", f"There is no service with code '{line.service_code}'.",
                               f"lines.{index - first_index}.service_code")
        built.append(LineInput(description=line.description or "", quantity=line.quantity,
                               unit_price_minor=line.unit_price_minor, discount_minor=line.discount_minor,
                               service_id=service.id if service else None))
    return built


def _as_input(line):
    return LineInput(description=line.description, quantity=line.quantity, unit_price_minor=line.unit_price_minor,
                     discount_minor=line.discount_minor, service_id=line.service_id)


@endpoint(bp, "/invoices", "POST", summary="Create a draft invoice from service codes and/or free lines",
          tag="Invoices", body=InvoiceIn, response=InvoiceOut, status=201, errors=(422,))
def create_invoice(body):
    if db.session.get(Patient, body.patient_id) is None:
        raise ApiError(422, "unknown_patient", "There is no patient with that id.", "patient_id")
    # Integrations get the cashiers' discount limit: only an administrator at the desk may give more.
    invoice = invoices.create_draft(
        body.patient_id, currency=body.currency, due_date=body.due_date, lines=_line_inputs(body.lines),
        invoice_discount_minor=body.invoice_discount_minor, notes=body.notes, created_by_id=None,
        max_discount_bp=get_cashier_max_discount_bp(),
    )
    return InvoiceOut.model_validate(invoice)


@endpoint(bp, "/invoices/<int:invoice_id>/lines", "POST", summary="Add lines to a draft invoice", tag="Invoices",
          body=LinesIn, response=InvoiceOut, errors=(422,))
def add_lines(invoice_id, body):
    invoice = load_or_404(Invoice, invoice_id, "invoice")
    lines = [_as_input(line) for line in invoice.lines] + _line_inputs(body.lines)
    invoice = invoices.update_draft(
        invoice.id, currency=invoice.currency, due_date=invoice.due_date, lines=lines,
        invoice_discount_minor=invoice.invoice_discount_minor, notes=invoice.notes, actor_id=None,
        max_discount_bp=get_cashier_max_discount_bp(),
    )
    return InvoiceOut.model_validate(invoice)


@endpoint(bp, "/invoices/<int:invoice_id>/issue", "POST", summary="Issue a draft: it gets its number and is payable",
          tag="Invoices", body=IssueIn, response=InvoiceOut, errors=(422,))
def issue_invoice(invoice_id, body):
    load_or_404(Invoice, invoice_id, "invoice")
    return InvoiceOut.model_validate(invoices.issue_invoice(invoice_id, actor_id=None))


@endpoint(bp, "/invoices/<int:invoice_id>/void", "POST", summary="Void an invoice nothing has been paid on",
          tag="Invoices", body=VoidIn, response=InvoiceOut, errors=(422,))
def void_invoice(invoice_id, body):
    invoice = load_or_404(Invoice, invoice_id, "invoice")
    thresholds = policy.Thresholds.from_config(current_app.config)
    if policy.needs_approval(policy.VOID, thresholds, issued=invoice.number is not None):
        # An integration cannot give a supervisor's sign-off: the desk asks for one, as for a cashier.
        raise ApiError(409, "approval_required", "Voiding an issued invoice needs a supervisor's approval; "
                                                 "ask the billing desk to void it.")
    return InvoiceOut.model_validate(invoices.void_invoice(invoice_id, reason=body.reason, actor_id=None))


@endpoint(bp, "/invoices/<int:invoice_id>", "GET", summary="Get an invoice with its lines", tag="Invoices",
          response=InvoiceOut)
def get_invoice(invoice_id):
    return InvoiceOut.model_validate(load_or_404(Invoice, invoice_id, "invoice"))


@endpoint(bp, "/invoices", "GET", summary="List invoices, newest first", tag="Invoices", query=InvoiceQuery,
          response=InvoicePage)
def list_invoices(query):
    status = query.status.value if query.status is not None else None
    return filtered_page(Invoice, InvoicePage, query,
                         equal=((Invoice.status, status), (Invoice.patient_id, query.patient_id)),
                         days=(Invoice.created_at, query.created_from, query.created_to))
