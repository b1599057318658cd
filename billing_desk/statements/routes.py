"""Statement of account (page, PDF, email through the outbox) and the aging report (page, CSV)."""
import csv
import io
from math import ceil

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user

from billing_desk.accounts.documents import statement_pdf
from billing_desk.accounts.statement import build_statement
from billing_desk.billing.money import to_major_text
from billing_desk.bounds import page_number
from billing_desk.extensions import db
from billing_desk.models import Patient
from billing_desk.notifications import outbox
from billing_desk.reports.tables import escape_cell
from billing_desk.statements import aging
from billing_desk.statements.forms import EmailStatementForm, PeriodForm
from billing_desk.timeutil import local_today

bp = Blueprint("statements", __name__)

PATIENT_ID = "<id:patient_id>"


def _period():
    form = PeriodForm(request.args)
    return form, form.validate()


@bp.get(f"/patients/{PATIENT_ID}/statement")
def show(patient_id):
    patient = db.get_or_404(Patient, patient_id)
    form, valid = _period()
    if not valid:
        return render_template("statements/show.html", patient=patient, form=form, statement=None), 422
    return render_template(
        "statements/show.html", patient=patient, form=form, email_form=EmailStatementForm.for_period(form),
        statement=build_statement(patient, form.currency.data, form.first.data, form.last.data),
        address_problem=outbox.patient_address(patient)[1],
    )


@bp.get(f"/patients/{PATIENT_ID}/statement.pdf")
def pdf(patient_id):
    patient = db.get_or_404(Patient, patient_id)
    form, valid = _period()
    if not valid:
        return render_template("statements/show.html", patient=patient, form=form, statement=None), 422
    filename, data = statement_pdf(patient, form.currency.data, form.first.data, form.last.data)
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"})


@bp.post(f"/patients/{PATIENT_ID}/statement/email")
def email(patient_id):
    patient = db.get_or_404(Patient, patient_id)
    form = EmailStatementForm()
    if not form.validate_on_submit():
        return render_template("statements/show.html", patient=patient, form=form, statement=None), 422
    row = outbox.queue_statement_email(patient, form.currency.data, form.first.data, form.last.data,
                                       actor_id=current_user.id, submission_key=form.submission_key.data or None)
    db.session.commit()
    outbox.dispatch([row])
    if row.status == outbox.SKIPPED:
        flash(f"The statement was not emailed: {row.last_error}.", "warning")
    else:
        flash(f"The statement is being emailed to {row.recipient}.", "success")
    return redirect(url_for(".show", patient_id=patient.id, first=form.first.data, last=form.last.data,
                            currency=form.currency.data), 303)


def _supervisors_only():
    if not current_user.is_supervisor:
        abort(403, "The aging report is for supervisors and administrators.")


@bp.get("/reports/aging")
def aging_report():
    _supervisors_only()
    today = local_today()
    page = page_number()
    count = aging.patients_with_balance(today)
    return render_template(
        "statements/aging.html", rows=aging.aging_rows(today, page=page), totals=aging.totals_by_currency(today),
        buckets=aging.BUCKETS, labels=aging.BUCKET_LABELS, page=page, pages=max(ceil(count / aging.PER_PAGE), 1),
        today=today,
    )


@bp.get("/reports/aging.csv")
def aging_csv():
    _supervisors_only()
    today = local_today()

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(["hospital_number", "patient", "currency", *aging.BUCKETS, "total"])
        for row in aging.all_aging_rows(today):
            writer.writerow([escape_cell(row.mrn), escape_cell(row.name), row.currency,
                             *(to_major_text(getattr(row, b)) for b in aging.BUCKETS), to_major_text(row.total)])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        if buffer.getvalue():
            yield buffer.getvalue()

    return Response(stream_with_context(lines()), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="aging-{today:%Y%m%d}.csv"'})
