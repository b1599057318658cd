"""Terminals: the administrators' list, "Charge on terminal" from the invoice page, and the waiting screen."""
import uuid

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from billing_desk.auth.access import admin_required
from billing_desk.billing.money import format_money
from billing_desk.extensions import db
from billing_desk.invoices.panels import invoice_panel
from billing_desk.jobs.after_commit import commit
from billing_desk.invoices.routes import render_invoice_page as render_invoice
from billing_desk.models import Invoice, Terminal, TerminalPush
from billing_desk.paystack.errors import PaystackError
from billing_desk.paystack.push_screen import push_status as screen_status
from billing_desk.paystack.pushes import P
from billing_desk.paystack.terminals import sync_terminals
from billing_desk.terminals import service
from billing_desk.terminals.forms import ChargeForm, StopWaitingForm, TerminalForm

bp = Blueprint("terminals", __name__, url_prefix="/terminals")

STATUS_WORDS = {
    "waiting": "Sending to the terminal…",
    "delivered": "On the terminal — waiting for the patient's card",
    "paid": "PAID",
    "expired": "Timed out — the terminal did not finish in time",
    "cancelled": "Cancelled",
    "replaced": "Replaced by a newer charge",
}
FINISHED = frozenset({"paid", "expired", "cancelled", "replaced"})
RETRYABLE = FINISHED - {"paid"}
WAITING = frozenset(STATUS_WORDS) - FINISHED


@invoice_panel("charge_form")
def terminal_charge_form(invoice):
    """The invoice page's "Charge on terminal" form, or None when the invoice cannot be charged.

    After a refused charge the view leaves its form (with errors) in `g`, so the page shows what was posted.
    """
    if not service.chargeable(invoice):
        return None
    posted = g.get("terminal_charge_form")
    if posted is not None:
        return posted
    terminals = service.active_terminals()
    form = ChargeForm(formdata=None, terminals=terminals, submission_key=uuid.uuid4().hex)
    default = current_user.default_terminal_id
    form.terminal.data = default if any(t.id == default for t in terminals) else None
    return form


# ---- administrators: the terminal list ---------------------------------------------------------------------

def _render_index(forms=None, status=200):
    terminals = service.terminals()
    presence = service.presence_words(terminals)
    forms = forms or {}
    rows = [
        {"terminal": t, "presence": presence[t.id], "form": forms.get(t.id) or TerminalForm.for_terminal(t)}
        for t in terminals
    ]
    return render_template("terminals/index.html", rows=rows), status


@bp.get("/")
@admin_required
def index():
    return _render_index()


@bp.post("/refresh")
@admin_required
def refresh():
    """Fetch Paystack's terminal list; Paystack being down is a message, never a 500."""
    try:
        result = sync_terminals(actor_id=current_user.id)
    except PaystackError as failed:
        db.session.rollback()
        flash(f"Could not refresh from Paystack: {failed}", "error")
        return redirect(url_for(".index"), 303)
    db.session.commit()
    message = f"Terminals refreshed from Paystack: {len(result.added)} new, {len(result.updated)} changed."
    if result.missing:
        message += " No longer listed by Paystack: " + ", ".join(t.terminal_id for t in result.missing) + "."
    flash(message, "success")
    return redirect(url_for(".index"), 303)


@bp.post("/<id:terminal_id>")
@admin_required
def update(terminal_id):
    terminal = db.get_or_404(Terminal, terminal_id, description="There is no such terminal.")
    form = TerminalForm.for_terminal(terminal, formdata=request.form)
    if not form.validate():
        return _render_index({terminal.id: form}, status=422)
    changed = service.update_terminal(
        terminal, name=form.name.data, desk=form.desk.data, active=form.active.data, actor_id=current_user.id
    )
    db.session.commit()
    flash(f"Terminal {terminal.name} saved." if changed else "Nothing changed.", "success" if changed else "info")
    return redirect(url_for(".index"), 303)


# ---- cashiers: charge an invoice, then wait for the card --------------------------------------------------

@bp.post("/invoices/<id:invoice_id>/charge")
def charge(invoice_id):
    invoice = db.get_or_404(Invoice, invoice_id, description="There is no such invoice.")
    form = ChargeForm(terminals=service.active_terminals())
    already = service.push_for_submission(form.submission_key.data)
    if already is not None:
        return redirect(url_for(".waiting", push_id=already.id), 303)
    why_not = service.refusal(invoice)
    if why_not:
        return _refuse(invoice, form, why_not, 409)
    if not form.validate():
        return _refuse(invoice, form, "Pick a terminal to charge on.", 422)
    try:
        push = service.charge_on_terminal(invoice, form.terminal.data, current_user.id, form.submission_key.data)
    except service.ChargeRefused as refused:
        db.session.rollback()
        return _refuse(db.session.get(Invoice, invoice_id), form, str(refused), refused.http_status)
    db.session.commit()
    return redirect(url_for(".waiting", push_id=push.id), 303)


def _refuse(invoice, form, message, status):
    """The invoice page again, with the message on top and the posted form in the charge card."""
    flash(message, "error")
    form.submission_key.data = uuid.uuid4().hex  # the next try is a new submission
    g.terminal_charge_form = form
    return render_invoice(invoice, status=status)


def _status_of(push):
    """`push_screen.push_status` plus the words the screen shows and whether there is anything left to wait for.

    Writes nothing (the screen polls it with GETs); it reports a failed delivery check in its message.
    """
    status = screen_status(push.id)
    return {
        **status,
        "status_text": STATUS_WORDS[status["status"]],
        "balance_due_text": format_money(status["balance_due_minor"], status["currency"]),
        "finished": status["status"] in FINISHED,
    }


@bp.get("/pushes/<id:push_id>")
def waiting(push_id):
    push = db.get_or_404(TerminalPush, push_id, description="There is no such terminal payment.")
    status = _status_of(push)
    other_terminals = [t for t in service.active_terminals() if t.id != push.terminal_id]
    form = ChargeForm(formdata=None, terminals=other_terminals, submission_key=uuid.uuid4().hex)
    return render_template(
        "terminals/waiting.html", status=status, retryable=RETRYABLE, waiting=WAITING, form=form,
        retry_key=uuid.uuid4().hex, stop_form=StopWaitingForm(formdata=None), **service.push_view(push),
    )


@bp.post("/pushes/<id:push_id>/cancel")
def stop_waiting(push_id):
    """"Card declined or patient cancelled": the only way the desk learns of a declined card (no webhook)."""
    push = db.get_or_404(TerminalPush, push_id, description="There is no such terminal payment.")
    if not StopWaitingForm().validate_on_submit():
        abort(400, "The form expired. Reload the page and try again.")
    push = service.stop_waiting(push.id, current_user.id)
    commit()
    if push.status == P.CANCELLED:
        flash("Stopped waiting for the card. Send the payment again or take another payment method.", "info")
    return redirect(url_for(".waiting", push_id=push.id), 303)


@bp.get("/pushes/<id:push_id>/status.json")
def push_status(push_id):
    push = db.get_or_404(TerminalPush, push_id, description="There is no such terminal payment.")
    return _status_of(push)
