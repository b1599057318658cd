"""Patient pages: search, register (with a duplicate warning), the patient's page, edit."""

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from billing_desk.accounts.ledger import summaries
from billing_desk.bounds import page_number
from billing_desk.extensions import db
from billing_desk.models import Patient
from billing_desk.patients import service
from billing_desk.patients.forms import SEX_LABELS, NewPatientForm, PatientForm
from billing_desk.timeutil import local_today

bp = Blueprint("patients", __name__, url_prefix="/patients")


@bp.app_template_filter("sex_label")
def _sex_label(sex):
    return SEX_LABELS.get(sex, sex)


@bp.get("/")
def index():
    q = request.args.get("q", "").strip()
    page = page_number()
    pagination = service.search_patients(q, page)
    # Search as you type asks for the results alone (X-Requested-With), and swaps them into the page.
    template = "patients/_results.html" if request.headers.get("X-Requested-With") == "fetch" else "patients/index.html"
    response = make_response(render_template(template, q=q, pagination=pagination, today=local_today()))
    response.vary.add("X-Requested-With")  # the same address answers with the page or the results alone
    return response


def _render_form(form, *, patient=None, duplicates=(), status=200):
    return render_template("patients/form.html", form=form, patient=patient, duplicates=duplicates,
                           today=local_today()), status


def _duplicates_to_confirm(form, patient=None):
    """Likely duplicates not yet confirmed to be different people; an edit is only checked again when it
    changes what duplicates are matched on."""
    details = form.details()
    if form.confirm_duplicate.data or (patient is not None and not service.identity_changed(patient, details)):
        return []
    return service.find_duplicates(details, exclude_id=patient.id if patient else None)


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = NewPatientForm()
    if not form.validate_on_submit():
        return _render_form(form, status=422 if form.errors else 200)
    earlier = service.find_by_submission_key(form.submission_key.data)
    if earlier is not None:
        return redirect(url_for(".show", patient_id=earlier.id))
    duplicates = _duplicates_to_confirm(form)
    if duplicates:
        return _render_form(form, duplicates=duplicates, status=422)
    try:
        patient = service.register_patient(form.details(), submission_key=form.submission_key.data,
                                           actor_id=current_user.id)
    except service.AlreadySubmitted as done:
        return redirect(url_for(".show", patient_id=done.patient.id))
    except service.MrnTaken:
        form.mrn.errors.append("Another patient already has this hospital number.")
        return _render_form(form, status=422)
    db.session.commit()
    flash(f"{patient.full_name} is registered with hospital number {patient.mrn}.", "success")
    return redirect(url_for(".show", patient_id=patient.id))


@bp.get("/<id:patient_id>")
def show(patient_id):
    patient = db.get_or_404(Patient, patient_id)
    views = current_app.view_functions
    return render_template(
        "patients/show.html", patient=patient, invoices=service.invoices_of(patient), today=local_today(),
        balances=service.balances_of(patient), open_statuses=service.OPEN_STATUSES,
        can_invoice="invoices.new" in views, invoice_pages="invoices.show" in views,
        account=summaries(patient.id),
    )


@bp.route("/<id:patient_id>/edit", methods=["GET", "POST"])
def edit(patient_id):
    patient = db.get_or_404(Patient, patient_id)
    form = PatientForm(obj=patient)
    form.current_mrn = patient.mrn
    if not form.validate_on_submit():
        return _render_form(form, patient=patient, status=422 if form.errors else 200)
    duplicates = _duplicates_to_confirm(form, patient)
    if duplicates:
        return _render_form(form, patient=patient, duplicates=duplicates, status=422)
    try:
        changed = service.update_patient(patient, form.details(), actor_id=current_user.id)
    except service.MrnTaken:
        form.mrn.errors.append("Another patient already has this hospital number.")
        return _render_form(form, patient=patient, status=422)
    db.session.commit()
    flash("Patient details saved." if changed else "Nothing was changed.", "success" if changed else "info")
    return redirect(url_for(".show", patient_id=patient.id))
