"""Email pages: "Send invoice" on the invoice page, the administrators' Email log with resend, and the
development mail catcher's inbox."""
import re
import uuid
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from billing_desk.auth.access import admin_required
from billing_desk.extensions import db
from billing_desk.invoices.panels import invoice_panel
from billing_desk.jobs import dead_letters
from billing_desk.models import EmailOutbox, Invoice
from billing_desk.notifications import caught_mail, outbox
from billing_desk.notifications.forms import EmailLogFilterForm, ResendForm, SendInvoiceForm
from billing_desk.notifications.settings import setting
from billing_desk.timeutil import day_start_utc

bp = Blueprint("notifications", __name__)

PER_PAGE = 50
CATCHER_LIST_LIMIT = 200
EML_NAME = re.compile(r"[A-Za-z0-9._-]+\.eml")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@invoice_panel("emails")
def invoice_emails(invoice):
    """The emails of one invoice, newest first (for the invoice page's email panel)."""
    return db.session.scalars(
        select(EmailOutbox).where(EmailOutbox.invoice_id == invoice.id).order_by(EmailOutbox.id.desc())
    ).all()


@bp.app_context_processor
def _template_helpers():
    return {
        "invoice_email_address": lambda invoice: outbox.patient_address(invoice.patient),
        "can_email_invoice": outbox.can_email_invoice,
        "new_submission_key": lambda: uuid.uuid4().hex,
    }


@bp.app_template_filter("email_status")
def _email_status(row):
    return outbox.describe(row)


@bp.app_template_filter("email_kind")
def _email_kind(row):
    return outbox.kind_label(row)


def _sent_message(row):
    if row.status == outbox.SKIPPED:
        note = "No email on file — invoice not emailed." if row.last_error == outbox.NO_EMAIL else (
            f"Invoice not emailed: {row.last_error}")
        return note, "warning"
    if row.status == outbox.SENT:
        return f"Invoice emailed to {row.recipient}.", "success"
    if row.status == outbox.FAILED:
        return f"The invoice could not be emailed to {row.recipient} yet: {outbox.describe(row)[1]}", "warning"
    return f"The invoice is being emailed to {row.recipient}.", "success"


@bp.post("/invoices/<id:invoice_id>/send-email")
def send_invoice(invoice_id):
    invoice = db.get_or_404(Invoice, invoice_id)
    back = redirect(url_for("invoices.show", invoice_id=invoice.id), 303)
    form = SendInvoiceForm()
    if not form.validate_on_submit():
        flash("The form was out of date. Please try again.", "error")
        return back
    try:
        row = outbox.queue_invoice_email(invoice, actor_id=current_user.id,
                                         submission_key=form.submission_key.data or None)
    except outbox.EmailRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return back
    db.session.commit()
    outbox.dispatch([row])
    db.session.refresh(row)
    flash(*_sent_message(row))
    return back


def _filtered(form):
    query = select(EmailOutbox).options(joinedload(EmailOutbox.invoice)).order_by(EmailOutbox.id.desc())
    if form.status.data == "gave_up":
        query = query.where(dead_letters.GAVE_UP_EMAIL)
    elif form.status.data:
        query = query.where(EmailOutbox.status == form.status.data)
    if form.kind.data:
        query = query.where(EmailOutbox.kind == form.kind.data)
    if form.created_from.data:  # days are the hospital's (TIMEZONE); stored times are UTC
        query = query.where(EmailOutbox.created_at >= day_start_utc(form.created_from.data))
    if form.created_to.data:
        query = query.where(EmailOutbox.created_at < day_start_utc(form.created_to.data + timedelta(days=1)))
    if form.q.data:
        text = form.q.data.lower()
        query = query.where(
            or_(
                func.lower(EmailOutbox.recipient).startswith(text, autoescape=True),
                EmailOutbox.invoice_id.in_(
                    select(Invoice.id).where(Invoice.number.startswith(form.q.data.upper(), autoescape=True))
                ),
            )
        )
    return query


def _catcher_in_use():
    config = current_app.config
    return config["APP_ENV"] != "production" and config["SMTP_HOST"] in LOOPBACK_HOSTS


@bp.get("/admin/emails")
@admin_required
def email_log():
    form = EmailLogFilterForm(request.args)
    valid = form.validate()
    page = db.paginate(_filtered(form), per_page=PER_PAGE, error_out=False) if valid else None
    filters = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "notifications/email_log.html", form=form, page=page, filters=filters, resend_form=ResendForm(),
        catcher_dir=setting("MAIL_CATCHER_DIR") if _catcher_in_use() else None,
    ), (200 if valid else 422)


@bp.post("/admin/emails/<id:outbox_id>/resend")
@admin_required
def resend(outbox_id):
    db.get_or_404(EmailOutbox, outbox_id)
    back = redirect(url_for(".email_log", **request.args), 303)
    try:
        row = outbox.resend(outbox_id, actor_id=current_user.id)
    except outbox.EmailRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return back
    db.session.commit()
    outbox.dispatch([row])
    about = f" for invoice {row.invoice.number}" if row.invoice else (f" for {row.patient.full_name}" if row.patient else "")
    flash(f"{outbox.kind_label(row)} email{about} queued again for {row.recipient}.", "success")
    return back


def _catcher_messages(folder):
    parser = BytesParser(policy=policy.default)
    files = sorted(folder.glob("*.eml"), key=lambda path: path.name, reverse=True)[:CATCHER_LIST_LIMIT]
    messages = []
    for path in files:
        with path.open("rb") as handle:
            headers = parser.parse(handle, headersonly=True)
        messages.append({"name": path.name, "subject": headers["subject"], "to": headers["to"],
                         "date": headers["date"], "size": path.stat().st_size})
    return messages


@bp.get("/admin/mail-catcher")
@admin_required
def catcher_inbox():
    folder = Path(setting("MAIL_CATCHER_DIR"))
    messages = _catcher_messages(folder) if folder.is_dir() else []
    return render_template("notifications/catcher_inbox.html", folder=folder, messages=messages,
                           in_use=_catcher_in_use())


@bp.get("/admin/mail-catcher/<name>")
@admin_required
def catcher_message(name):
    if not EML_NAME.fullmatch(name):
        abort(404)
    return send_from_directory(Path(setting("MAIL_CATCHER_DIR")).resolve(), name, mimetype="message/rfc822",
                               as_attachment=True)


def _caught_path(name):
    """The saved message called `name` in the catcher's folder; 404 for anything else (no path tricks)."""
    path = Path(setting("MAIL_CATCHER_DIR")).resolve() / name
    if not EML_NAME.fullmatch(name) or not path.is_file():
        abort(404, "There is no such message in the mail catcher.")
    return path


@bp.get("/admin/mail-catcher/<name>/read")
@admin_required
def catcher_read(name):
    """One caught message to read: headers, the plain text, the HTML in a sandboxed frame, the attachments."""
    return render_template("notifications/catcher_message.html", name=name,
                           message=caught_mail.read_message(_caught_path(name)))


@bp.get("/admin/mail-catcher/<name>/attachments/<id:number>")
@admin_required
def catcher_attachment(name, number):
    found = caught_mail.attachment(_caught_path(name), number)
    if found is None:
        abort(404, "That message has no such attachment.")
    filename, content_type, data = found
    # Always a download, never shown inline: an attachment is whatever the sender put there.
    return Response(data, mimetype=content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff",
    })
