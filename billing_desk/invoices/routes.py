"""Invoice pages: the list, the draft editor, the invoice itself, issuing and voiding."""
import re
import uuid
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, inspect, or_, select
from sqlalchemy.orm import joinedload, selectinload

from billing_desk import audit
from billing_desk.approvals import policy
from billing_desk.approvals import service as approvals
from billing_desk.billing import invoices as billing
from billing_desk.billing.money import CURRENCIES, DEFAULT_CURRENCY, MAX_AMOUNT_MINOR, locale_for
from billing_desk.billing.states import LABELS
from billing_desk.bounds import parse_id
from billing_desk.catalog.service import get_cashier_max_discount_bp
from billing_desk.extensions import db
from billing_desk.invoices.forms import (
    BLANK_ROWS_ON_NEW,
    InvoiceFilterForm,
    InvoiceForm,
    VoidForm,
    invoice_form_data,
    service_choices,
)
from billing_desk.invoices.panels import load_panels
from billing_desk.models import AuditEntry, Invoice, Patient, Payment, Service
from billing_desk.notifications import outbox as email_outbox
from billing_desk.paystack.money_panel import money_panel
from billing_desk.timeutil import day_start_utc, local_today

bp = Blueprint("invoices", __name__, url_prefix="/invoices")

PER_PAGE = 25
ID = "<id:invoice_id>"
NUMBER_PREFIX = "INV-"
FULL_NUMBER = re.compile(r"INV-\d{4}-\d{6}", re.IGNORECASE)


@bp.app_context_processor
def _template_helpers():
    """`has_endpoint(name)`: link to pages of other blueprints only when they are installed."""
    return {"has_endpoint": lambda endpoint: endpoint in current_app.view_functions}


def _cashier_discount_limit_bp():
    """None (no limit) for administrators; the limit administrators set for cashiers otherwise."""
    return None if current_user.is_admin else get_cashier_max_discount_bp()


def _id_arg(name):
    """A positive id from the query string, or None."""
    return parse_id(request.args.get(name))


def _filtered(form):
    """The list query: indexed columns only, newest first by primary key (fast on millions of rows)."""
    query = select(Invoice).options(joinedload(Invoice.patient))
    if form.status.data:
        query = query.where(Invoice.status == form.status.data)
    if _id_arg("patient_id"):
        query = query.where(Invoice.patient_id == _id_arg("patient_id"))
    if form.created_from.data:
        query = query.where(Invoice.created_at >= day_start_utc(form.created_from.data))
    if form.created_to.data:
        query = query.where(Invoice.created_at < day_start_utc(form.created_to.data + timedelta(days=1)))
    q = form.q.data
    if FULL_NUMBER.fullmatch(q or ""):  # equality uses the unique index; a prefix search may scan
        query = query.where(Invoice.number == q.upper())
    elif q and q.upper().startswith(NUMBER_PREFIX):
        query = query.where(Invoice.number.startswith(q.upper(), autoescape=True))
    elif q:
        name = q.lower()
        patients = select(Patient.id).where(
            or_(
                Patient.mrn.in_({q, q.upper()}),
                func.lower(Patient.last_name).startswith(name, autoescape=True),
                func.lower(Patient.first_name).startswith(name, autoescape=True),
            )
        )
        query = query.where(Invoice.patient_id.in_(patients))
    return query.order_by(Invoice.id.desc())


def _keyset_page(query):
    """A page of the newest-first list, by id: older than `?before=`, newer than `?after=`, else the newest.

    Keyset paging, not OFFSET: page 10,000 costs what page 1 does, because the database starts from the
    primary key instead of reading and skipping every row above. One row more than a page says whether
    there is more, without counting millions of rows. Returns (rows, newer_after, older_before): the
    arguments of the links to the neighbouring pages, None where there is none.
    """
    before, after = _id_arg("before"), _id_arg("after")
    if after:
        found = list(db.session.scalars(
            query.where(Invoice.id > after).order_by(None).order_by(Invoice.id.asc()).limit(PER_PAGE + 1)).unique())
        rows = found[:PER_PAGE][::-1]
        return rows, (rows[0].id if len(found) > PER_PAGE else None), (rows[-1].id if rows else after + 1)
    if before:
        query = query.where(Invoice.id < before)
    found = list(db.session.scalars(query.limit(PER_PAGE + 1)).unique())
    rows = found[:PER_PAGE]
    newer = (rows[0].id if rows else before - 1) if before else None
    return rows, newer, (rows[-1].id if len(found) > PER_PAGE else None)


@bp.get("/")
def index():
    form = InvoiceFilterForm(request.args)
    valid = form.validate()
    rows, newer_after, older_before = _keyset_page(_filtered(form)) if valid else ([], None, None)
    filters = {k: v for k, v in request.args.items() if k not in ("page", "before", "after") and v}
    return render_template(
        "invoices/index.html", form=form, invoices=rows, newer_after=newer_after, older_before=older_before,
        filters=filters,
    ), (200 if valid else 422)


def _active_services(currency):
    """Active services in `currency`, in the order the service selects list them."""
    return db.session.scalars(
        select(Service)
        .where(Service.active.is_(True), Service.currency == currency)
        .order_by(Service.department, Service.name)
    ).all()


def _render_editor(form, *, patient, invoice=None, status=200):
    currency = form.currency.data if form.currency.data in CURRENCIES else DEFAULT_CURRENCY
    form.set_service_choices(_active_services(currency))
    return render_template(
        "invoices/form.html", form=form, patient=patient, invoice=invoice,
        limits={"maxQuantity": billing.MAX_QUANTITY, "maxAmountMinor": MAX_AMOUNT_MINOR,
                "maxLines": billing.MAX_LINES},
        locales={code: locale_for(code).replace("_", "-") for code in CURRENCIES},
    ), status


@bp.get("/service-options.json")
def service_options():
    """The service select's options in another currency: the editor swaps them in when the currency changes."""
    currency = request.args.get("currency", "")
    if currency not in CURRENCIES:
        abort(400, f"Currency must be one of {', '.join(CURRENCIES)}.")
    return jsonify([
        {"value": c.value, "label": c.label, "group": c.optgroup, "price_minor": c.render_kw.get("data-price-minor")}
        for c in service_choices(_active_services(currency))
    ])


def _draft_fields(form):
    return {
        "currency": form.currency.data,
        "due_date": form.due_date.data,
        "lines": form.line_inputs,
        "invoice_discount_minor": form.invoice_discount_minor,
        "notes": form.notes.data,
        "max_discount_bp": _cashier_discount_limit_bp(),
    }


def _wants_another_line(form):
    """"Add another line": show the form again with one more empty row, saving nothing."""
    if not form.is_submitted() or not form.add_line.data:
        return False
    if form.can_add_line():
        form.lines.append_entry()
    else:
        flash("This invoice already has as many lines as it can have.", "warning")
    return True


@bp.route("/new", methods=["GET", "POST"])
def new():
    if not request.args.get("patient_id"):  # "New invoice" reached without a patient: an invoice is someone's
        flash("Pick the patient first, then start the invoice from their page.", "info")
        return redirect(url_for("patients.index"), 303)
    patient = db.get_or_404(Patient, _id_arg("patient_id") or 0,
                            description="There is no such patient. Open the patient first, then start an invoice.")
    form = InvoiceForm()
    if not form.is_submitted():
        form.submission_key.data = uuid.uuid4().hex
        form.due_date.data = local_today() + timedelta(days=current_app.config["INVOICE_DUE_DAYS"])
        for _ in range(BLANK_ROWS_ON_NEW - len(form.lines)):
            form.lines.append_entry()
    if _wants_another_line(form):
        return _render_editor(form, patient=patient)
    if form.validate_on_submit():
        try:
            invoice = billing.create_draft(
                patient.id, created_by_id=current_user.id, submission_key=form.submission_key.data or None,
                **_draft_fields(form),
            )
        except billing.InvoiceRefused as refused:
            db.session.rollback()
            form.show_refusal(refused)
        else:
            db.session.commit()
            flash("Draft invoice saved. Check it, then issue it.", "success")
            return redirect(url_for(".show", invoice_id=invoice.id), 303)
    return _render_editor(form, patient=patient, status=422 if form.is_submitted() else 200)


def _read_only_message(invoice):
    return f"This invoice is {LABELS[invoice.status].lower()} and can no longer be changed."


def _refuse_read_only(invoice):
    flash(_read_only_message(invoice), "error")
    return render_invoice_page(invoice, status=409)


@bp.route(f"/{ID}/edit", methods=["GET", "POST"])
def edit(invoice_id):
    invoice = db.get_or_404(Invoice, invoice_id)
    if not invoice.is_editable:
        if request.method == "GET":
            flash(_read_only_message(invoice), "warning")
            return redirect(url_for(".show", invoice_id=invoice.id))
        return _refuse_read_only(invoice)
    form = InvoiceForm(data=None if request.method == "POST" else invoice_form_data(invoice))
    del form.submission_key
    if _wants_another_line(form):
        return _render_editor(form, patient=invoice.patient, invoice=invoice)
    if form.validate_on_submit():
        try:
            billing.update_draft(invoice.id, actor_id=current_user.id, **_draft_fields(form))
        except billing.InvoiceConflict:
            db.session.rollback()
            return _refuse_read_only(db.session.get(Invoice, invoice_id))
        except billing.InvoiceRefused as refused:
            db.session.rollback()
            form.show_refusal(refused)
        else:
            db.session.commit()
            flash("Draft saved.", "success")
            return redirect(url_for(".show", invoice_id=invoice.id), 303)
    return _render_editor(form, patient=invoice.patient, invoice=invoice,
                          status=422 if form.is_submitted() else 200)


def _history(invoice):
    return db.session.scalars(
        select(AuditEntry)
        .options(joinedload(AuditEntry.actor))
        .where(AuditEntry.invoice_id == invoice.id)
        .order_by(AuditEntry.id.desc())
    ).all()


def render_invoice_page(invoice, *, void_form=None, status=200):
    """The invoice page, also re-rendered with a refusal by other blueprints' actions on it (e.g. terminals).

    Everything the page shows is loaded here, the other blueprints' panels included (`invoices.panels`):
    tests/invoices/test_page_queries.py fails on a query issued while the template renders.
    """
    if {"lines", "issued_by", "payments"} & inspect(invoice).unloaded:
        invoice = _page_invoice(invoice.id)
    payments = db.session.scalars(
        select(Payment).options(joinedload(Payment.received_by)).where(Payment.invoice_id == invoice.id)
        .order_by(Payment.paid_at, Payment.id)
    ).all()
    return render_template(
        "invoices/show.html",
        invoice=invoice,
        payments=payments,
        history=_history(invoice),
        action_label=audit.action_label,
        void_form=void_form or VoidForm(formdata=None),
        can_void=billing.can_void(invoice),
        money=money_panel(invoice),
        panels=load_panels(invoice),
        void_needs_approval=policy.needs_approval(policy.VOID, policy.Thresholds.from_config(current_app.config)),
    ), status


def _page_invoice(invoice_id):
    """The invoice with what its page shows of it (lines, who issued it), in two statements; 404 if unknown.

    `populate_existing`: an invoice already in the session (a re-render after a refused action) is read again.
    """
    invoice = db.session.scalars(
        select(Invoice).where(Invoice.id == invoice_id)
        .options(selectinload(Invoice.lines), joinedload(Invoice.issued_by), selectinload(Invoice.payments))
        .execution_options(populate_existing=True)
    ).one_or_none()
    if invoice is None:
        abort(404, "There is no such invoice.")
    return invoice


@bp.get(f"/{ID}")
def show(invoice_id):
    return render_invoice_page(_page_invoice(invoice_id))


@bp.post(f"/{ID}/issue")
def issue(invoice_id):
    invoice = db.get_or_404(Invoice, invoice_id)
    try:
        billing.issue_invoice(invoice.id, actor_id=current_user.id)
        email = email_outbox.queue_invoice_email(invoice, actor_id=current_user.id) if request.form.get("email_invoice") else None
    except billing.InvoiceRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return render_invoice_page(db.session.get(Invoice, invoice_id),
                            status=409 if isinstance(refused, billing.InvoiceConflict) else 422)
    db.session.commit()
    email_outbox.dispatch([email])
    flash(f"Invoice {invoice.number} issued.", "success")
    return redirect(url_for(".show", invoice_id=invoice.id), 303)


@bp.post(f"/{ID}/void")
def void(invoice_id):
    invoice = db.get_or_404(Invoice, invoice_id)
    form = VoidForm()
    if form.validate_on_submit():
        needed = policy.needs_approval(policy.VOID, policy.Thresholds.from_config(current_app.config),
                                       issued=invoice.number is not None)
        try:
            outcome = _void(invoice, form) if needed else billing.void_invoice(
                invoice.id, reason=form.reason.data, actor_id=current_user.id)
        except approvals.SignOffRefused as refused:
            db.session.commit()  # only the supervisor's failed sign-in count was written
            flash(str(refused), "error")
            return render_invoice_page(invoice, void_form=form, status=422)
        except (billing.InvoiceRefused, policy.ApprovalRefused) as refused:
            db.session.rollback()
            flash(str(refused), "error")
            return render_invoice_page(db.session.get(Invoice, invoice_id), void_form=form,
                                status=409 if isinstance(refused, billing.InvoiceConflict) else 422)
        db.session.commit()
        flash("The void waits for a supervisor's approval." if outcome == "queued" else "Invoice voided.",
              "info" if outcome == "queued" else "success")
        return redirect(url_for(".show", invoice_id=invoice.id), 303)
    return render_invoice_page(invoice, void_form=form, status=422)


def _void(invoice, form):
    """An issued invoice is voided with a supervisor's sign-off on the form, or waits in the approvals queue."""
    outcome, _result = approvals.ask(
        policy.VOID, {"invoice_id": invoice.id, "reason": form.reason.data}, requester_id=current_user.id,
        reason=form.reason.data, invoice_id=invoice.id, patient_id=invoice.patient_id, **form.sign_off(),
    )
    return outcome
