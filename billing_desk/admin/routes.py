"""The admin area (administrators only, 403 for cashiers): its index, staff accounts and the audit log."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from billing_desk import audit
from billing_desk.admin import audit_log
from billing_desk.admin.forms import (
    PASSWORD_HINT,
    AuditFilterForm,
    ConfirmForm,
    NewStaffForm,
    PasswordResetForm,
    StaffEditForm,
)
from billing_desk.auth import accounts, lockout
from billing_desk.auth.access import require_admin_for_blueprint
from billing_desk.extensions import db
from billing_desk.jobs import dead_letters, scheduler
from billing_desk.models import Staff
from billing_desk.timeutil import utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")
require_admin_for_blueprint(bp)

AUDIT_PER_PAGE = 50
STAFF_ID = "<id:staff_id>"

# (endpoint, title, what it is for). Pages of other blueprints are listed once their blueprint is installed.
ADMIN_PAGES = (
    ("admin.staff_list", "Staff", "Add staff, change roles, deactivate accounts, reset passwords, unlock accounts."),
    ("admin.audit_log", "Audit log", "Who changed what and when, for any invoice, patient or staff member."),
    ("catalog.settings", "Price list settings", "The largest discount cashiers may give."),
    ("notifications.email_log", "Email log", "Invoices and receipts emailed to patients, and resending them."),
    ("paystack.events", "Webhook events", "What Paystack told us about payments, and what became of it."),
    ("refunds.reviews", "Payment reviews", "Payments whose amount or reference did not match, waiting for a decision."),
    ("terminals.index", "Terminals", "Card terminals: their names and desks."),
    ("reports.statistics", "Statistics", "Takings, payments and invoices over a date range."),
    ("reports.reconciliation", "Reconciliation", "One day's card payments compared with Paystack's."),
    ("reports.jobs", "Background jobs", "Queued and failed background jobs, and retrying them."),
    ("shifts.index", "Shifts", "Cashiers' shifts and their Z reports."),
    ("integrations.index", "Integrations", "API keys for the hospital's other systems, their webhooks and deliveries."),
)


@bp.context_processor
def _password_hint():
    return {"password_hint": PASSWORD_HINT}


@bp.get("/")
def index():
    pages = [page for page in ADMIN_PAGES if page[0] in current_app.view_functions]
    return render_template("admin/index.html", pages=pages, tasks=scheduler.task_statuses(),
                           dead_letters=dead_letters.counts())


# ---- staff ------------------------------------------------------------------------------------------------

@bp.get("/staff")
def staff_list():
    staff = db.session.scalars(select(Staff).order_by(Staff.active.desc(), Staff.full_name, Staff.id)).all()
    return render_template("admin/staff_list.html", staff=staff, confirm_form=ConfirmForm(),
                           paused_until=lockout.paused_until(utcnow()))


def _show_refusal(form, refused):
    field = getattr(form, refused.field, None) if refused.field else None
    if field is not None:
        field.errors.append(str(refused))
    else:
        form.form_errors.append(str(refused))


@bp.route("/staff/new", methods=["GET", "POST"])
def staff_new():
    form = NewStaffForm()
    if form.validate_on_submit():
        try:
            member = accounts.create_staff(
                email=form.email.data, full_name=form.full_name.data, role=form.role.data,
                password=form.password.data, actor_id=current_user.id, submission_key=form.submission_key.data,
            )
        except accounts.AlreadySubmitted as done:
            db.session.rollback()
            flash(f"{done.staff.full_name} was already added.", "info")
            return redirect(url_for(".staff_list"), 303)
        except accounts.AccountRefused as refused:
            db.session.rollback()
            _show_refusal(form, refused)
        else:
            db.session.commit()
            flash(f"{member.full_name} can now sign in as {member.role_label.lower()} with {member.email}.", "success")
            return redirect(url_for(".staff_list"), 303)
    return render_template("admin/staff_form.html", form=form, member=None), (422 if form.errors else 200)


@bp.route(f"/staff/{STAFF_ID}/edit", methods=["GET", "POST"])
def staff_edit(staff_id):
    member = db.get_or_404(Staff, staff_id)
    form = StaffEditForm(obj=member)
    if form.validate_on_submit():
        try:
            changed = accounts.update_staff(member, full_name=form.full_name.data, role=form.role.data,
                                            actor_id=current_user.id)
        except accounts.AccountRefused as refused:
            db.session.rollback()
            _show_refusal(form, refused)
        else:
            db.session.commit()
            flash(f"{member.full_name}'s account is saved." if changed else "Nothing was changed.",
                  "success" if changed else "info")
            return redirect(url_for(".staff_list"), 303)
    return render_template("admin/staff_form.html", form=form, member=member), (422 if form.errors else 200)


@bp.route(f"/staff/{STAFF_ID}/password", methods=["GET", "POST"])
def staff_password(staff_id):
    member = db.get_or_404(Staff, staff_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(member, form.password.data, actor_id=current_user.id)
        except accounts.AccountRefused as refused:
            db.session.rollback()
            _show_refusal(form, refused)
        else:
            db.session.commit()
            flash(f"{member.full_name}'s password is changed; they were signed out everywhere.", "success")
            if member.id == current_user.id:
                return redirect(url_for("auth.login"), 303)
            return redirect(url_for(".staff_list"), 303)
    return render_template("admin/staff_password.html", form=form, member=member), (422 if form.errors else 200)


def _one_button_action(staff_id, change, done_message, unchanged_message):
    """Deactivate, reactivate and unlock: CSRF-checked POST → one service call → commit → back to the list."""
    member = db.get_or_404(Staff, staff_id)
    if not ConfirmForm().validate_on_submit():
        flash("The form was out of date. Please try again.", "error")
        return redirect(url_for(".staff_list"), 303)
    try:
        changed = change(member)
    except accounts.AccountRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for(".staff_list"), 303)
    db.session.commit()
    flash((done_message if changed else unchanged_message).format(name=member.full_name),
          "success" if changed else "info")
    return redirect(url_for(".staff_list"), 303)


@bp.post(f"/staff/{STAFF_ID}/deactivate")
def staff_deactivate(staff_id):
    return _one_button_action(
        staff_id, lambda member: accounts.set_active(member, False, actor_id=current_user.id),
        "{name} is deactivated and signed out everywhere.", "{name} was already deactivated.",
    )


@bp.post(f"/staff/{STAFF_ID}/reactivate")
def staff_reactivate(staff_id):
    return _one_button_action(
        staff_id, lambda member: accounts.set_active(member, True, actor_id=current_user.id),
        "{name} can sign in again.", "{name} was already active.",
    )


@bp.post(f"/staff/{STAFF_ID}/unlock")
def staff_unlock(staff_id):
    return _one_button_action(
        staff_id, lambda member: accounts.unlock(member, actor_id=current_user.id),
        "{name}'s account is unlocked.", "{name}'s account was not locked.",
    )


# ---- audit log --------------------------------------------------------------------------------------------

def _audit_filters(form):
    """The form's filters as `audit_log.Filters`, or None with field errors when a filter names nothing."""
    if not form.validate():
        return None
    ids = {}
    for name, lookup in (("invoice", audit_log.invoice_id_for), ("patient", audit_log.patient_id_for)):
        field = getattr(form, name)
        if field.data:
            try:
                ids[f"{name}_id"] = lookup(field.data)
            except audit_log.NotFound as missing:
                field.errors.append(str(missing))
    if form.errors:
        return None
    return audit_log.Filters(actor=form.actor.data, action=form.action.data, date_from=form.date_from.data,
                             date_to=form.date_to.data, **ids)


@bp.get("/audit", endpoint="audit_log")
def audit_log_page():
    staff = db.session.scalars(select(Staff).order_by(Staff.full_name, Staff.id)).all()
    form = AuditFilterForm(request.args, staff=staff, action_labels=audit.ACTION_LABELS)
    filters = _audit_filters(form)
    page = invoices = patients = None
    if filters is not None:
        page = db.paginate(audit_log.query(filters), per_page=AUDIT_PER_PAGE, error_out=False)
        invoices, patients = audit_log.linked_records(page.items)
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "admin/audit_log.html", form=form, page=page, args=args, invoices=invoices, patients=patients,
        action_label=audit.action_label, changes=audit_log.changes,
    ), (200 if filters is not None else 422)
