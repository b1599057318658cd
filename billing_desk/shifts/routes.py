"""Shift pages: open my shift, close it with a (blind) count, the Z report, and the administrators' list."""
import uuid
from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from billing_desk.auth.access import admin_required
from billing_desk.billing.money import format_money
from billing_desk.bounds import parse_id
from billing_desk.extensions import db
from billing_desk.models import Shift, Staff
from billing_desk.shifts import report, service
from billing_desk.shifts.forms import OpenShiftForm, ShiftFilterForm, SignOffForm, close_form_for
from billing_desk.timeutil import day_start_utc, shown

bp = Blueprint("shifts", __name__, url_prefix="/shifts")

PER_PAGE = 25
ID = "<id:shift_id>"


@bp.app_template_filter("variance_words")
def variance_words(minor, currency):
    """A variance in words, so short and over never depend on a sign or a colour."""
    if minor == 0:
        return "Balanced: the count matches"
    return f"{'Short' if minor < 0 else 'Over'} by {format_money(abs(minor), currency)}"


@bp.app_template_global()
def shift_status_words(shift):
    if shift.is_open:
        return "Open"
    return "Signed off" if shift.signed_off_at else "Closed, awaiting sign-off"


def _viewable(shift_id):
    """The shift, for its own cashier or an administrator (404 unknown, 403 someone else's)."""
    shift = db.get_or_404(Shift, shift_id, description="There is no such shift.")
    if shift.staff_id != current_user.id and not current_user.is_admin:
        abort(403, "This is another cashier's shift.")
    return shift


def _render_show(shift, status=200, sign_off_form=None):
    """An open shift shows its takings by channel so far; a closed one its frozen Z report."""
    takings = service.totals_rows(shift) if shift.is_open else []
    return render_template(
        "shifts/show.html", shift=shift, takings=takings, payment_count=sum(row["count"] for row in takings),
        sign_off_form=sign_off_form or SignOffForm(),
    ), status


@bp.route("/mine", methods=["GET", "POST"])
def mine():
    """My open shift, or the form that opens one."""
    current = service.open_shift_of(current_user.id)
    if current is not None and request.method == "GET":
        return redirect(url_for(".show", shift_id=current.id))
    form = OpenShiftForm()
    if not form.is_submitted():
        form.submission_key.data = uuid.uuid4().hex
    if form.validate_on_submit():
        try:
            shift = service.open_shift(
                current_user.id, form.opening_float_minor, currency=form.currency.data,
                submission_key=form.submission_key.data or None,
            )
        except service.ShiftRefused as refused:
            db.session.rollback()
            form.opening_float.errors.append(str(refused))
        else:
            db.session.commit()
            flash("Shift opened. The payments you take now belong to it.", "success")
            return redirect(url_for(".show", shift_id=shift.id), 303)
    return render_template("shifts/open.html", form=form), (422 if form.is_submitted() else 200)


@bp.get("/")
def index():
    """Administrators: every shift, filtered by cashier, status and opening date. Cashiers: their own."""
    form = ShiftFilterForm(request.args)
    query = select(Shift).options(joinedload(Shift.staff))
    if current_user.is_admin:
        form.cashier.choices = [SelectChoice("", "Every cashier")] + [
            SelectChoice(str(staff.id), staff.full_name)
            for staff in db.session.scalars(select(Staff).order_by(Staff.full_name))
        ]
    else:
        del form.cashier
        query = query.where(Shift.staff_id == current_user.id)
    valid = form.validate()
    if valid:
        query = _filtered(query, form)
    shifts = db.paginate(query.order_by(Shift.opened_at.desc(), Shift.id.desc()), per_page=PER_PAGE,
                         error_out=False) if valid else None
    filters = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("shifts/index.html", form=form, shifts=shifts, filters=filters), (200 if valid else 422)


def _filtered(query, form):
    if "cashier" in form and form.cashier.data:
        query = query.where(Shift.staff_id == parse_id(form.cashier.data))
    if form.status.data == "open":
        query = query.where(Shift.closed_at.is_(None))
    elif form.status.data == "closed":
        query = query.where(Shift.closed_at.is_not(None), Shift.signed_off_at.is_(None))
    elif form.status.data == "signed_off":
        query = query.where(Shift.signed_off_at.is_not(None))
    if form.opened_from.data:
        query = query.where(Shift.opened_at >= day_start_utc(form.opened_from.data))
    if form.opened_to.data:
        query = query.where(Shift.opened_at < day_start_utc(form.opened_to.data + timedelta(days=1)))
    return query


@bp.get(f"/{ID}")
def show(shift_id):
    return _render_show(_viewable(shift_id))


def _refuse_closed(shift, message):
    flash(message, "error" if request.method == "POST" else "warning")
    if request.method == "GET":
        return redirect(url_for(".show", shift_id=shift.id))
    return _render_show(shift, status=409)


@bp.route(f"/{ID}/close", methods=["GET", "POST"])
def close(shift_id):
    shift = db.get_or_404(Shift, shift_id, description="There is no such shift.")
    if not service.may_close(shift, current_user):
        abort(403, "Only the cashier who opened this shift, or an administrator, can close it.")
    form = close_form_for(shift.currency)
    if not form.is_submitted():
        form.submission_key.data = uuid.uuid4().hex
    double_click = form.is_submitted() and shift.close_submission_key == (form.submission_key.data or "-")
    if not shift.is_open and not double_click:
        return _refuse_closed(shift, f"This shift was already closed at {shown(shift.closed_at)}.")
    if form.validate_on_submit():
        try:
            service.close_shift(
                shift.id, actor_id=current_user.id, counted_minor=form.counted_minor,
                denominations=form.denominations, reason=form.reason.data,
                submission_key=form.submission_key.data or None,
            )
        except service.NotYourShift as refused:  # the actor stopped being an administrator meanwhile
            db.session.rollback()
            abort(403, str(refused))
        except service.ReasonRequired as refused:
            db.session.rollback()
            form.reason.errors.append(str(refused))
        except service.ShiftRefused as refused:
            db.session.rollback()
            return _refuse_closed(db.session.get(Shift, shift_id), str(refused))
        else:
            db.session.commit()
            flash("Shift closed. Below is its Z report: print it and hand it in with the cash.", "success")
            return redirect(url_for(".show", shift_id=shift.id), 303)
    return render_template("shifts/close.html", form=form, shift=shift), (422 if form.is_submitted() else 200)


@bp.post(f"/{ID}/sign-off")
@admin_required
def sign_off(shift_id):
    shift = db.get_or_404(Shift, shift_id, description="There is no such shift.")
    form = SignOffForm()
    if not form.validate_on_submit():
        return _render_show(shift, status=422, sign_off_form=form)
    try:
        service.sign_off(shift.id, actor_id=current_user.id, note=form.note.data)
    except service.ShiftRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return _render_show(db.session.get(Shift, shift_id), status=409, sign_off_form=form)
    db.session.commit()
    flash("Z report signed off.", "success")
    return redirect(url_for(".show", shift_id=shift.id), 303)


@bp.get(f"/{ID}/z-report.pdf")
def z_report_pdf(shift_id):
    shift = _viewable(shift_id)
    try:
        data = report.z_report_pdf(shift)
    except service.ShiftRefused as refused:
        abort(409, str(refused))
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="z-report-shift-{shift.id}.pdf"'})
