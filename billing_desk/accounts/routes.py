"""Account pages: the patient's account, deposits, paying from the deposit, refunds of what is left, documents."""
from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select, update

from billing_desk import audit, pdf
from billing_desk.accounts import deposits, ledger
from billing_desk.approvals import policy
from billing_desk.approvals import service as approvals
from billing_desk.accounts.forms import AccountRefundForm, ApplyDepositForm, DepositForm
from billing_desk.billing.money import format_money
from billing_desk.billing.payments import PaymentRefused
from billing_desk.extensions import db
from billing_desk.invoices.routes import ID
from billing_desk.models import AccountEntry, Invoice, Patient
from billing_desk.notifications import outbox

bp = Blueprint("accounts", __name__)

PATIENT_ID = "<id:patient_id>"
ENTRY_ID = "<id:entry_id>"
ENTRIES_SHOWN = 200
DOCUMENT_KINDS = (ledger.DEPOSIT, ledger.REFUND)


@bp.app_context_processor
def _template_helpers():
    """For `accounts/_from_deposit.html`, which the invoice page includes."""
    return {"deposit_left": deposits.left_for, "apply_deposit_form": ApplyDepositForm.fresh}


def _account_page(patient, *, deposit_form=None, refund_form=None, status=200):
    entries = db.session.scalars(
        select(AccountEntry).where(AccountEntry.patient_id == patient.id)
        .order_by(AccountEntry.created_at.desc(), AccountEntry.id.desc()).limit(ENTRIES_SHOWN)
    ).all()
    return render_template(
        "accounts/account.html", patient=patient, summaries=ledger.summaries(patient.id), entries=entries,
        kind_labels=ledger.KIND_LABELS, deposit_form=deposit_form or DepositForm.fresh(),
        refund_form=refund_form or AccountRefundForm.fresh(),
    ), status


@bp.get(f"/patients/{PATIENT_ID}/account")
def show(patient_id):
    return _account_page(db.get_or_404(Patient, patient_id))


@bp.post(f"/patients/{PATIENT_ID}/account/deposits")
def take_deposit(patient_id):
    patient = db.get_or_404(Patient, patient_id)
    form = DepositForm()
    if form.validate_on_submit():
        try:
            entry, new = deposits.take_deposit(
                patient.id, form.amount_minor, form.currency.data, channel=form.channel.data,
                reference=form.reference.data, actor_id=current_user.id, submission_key=form.submission_key.data,
            )
        except ledger.AccountRefused as refused:
            db.session.rollback()
            form.refuse(str(refused))
        else:
            db.session.commit()
            flash(f"Deposit of {format_money(entry.amount_minor, entry.currency)} taken." if new
                  else "This deposit was already recorded; it was not taken twice.", "success" if new else "info")
            return redirect(url_for(".entry", entry_id=entry.id), 303)
    return _account_page(patient, deposit_form=form, status=422)


@bp.post(f"/invoices/{ID}/from-deposit")
def apply_deposit(invoice_id):
    """Pay the invoice from the patient's account, through the same payment path as cash and transfers."""
    invoice = db.get_or_404(Invoice, invoice_id)
    form = ApplyDepositForm()
    if form.validate_on_submit():
        try:
            payment, email, new = deposits.apply_to_invoice(
                invoice.id, form.amount_minor, actor_id=current_user.id, submission_key=form.submission_key.data,
            )
        except (PaymentRefused, ledger.AccountRefused) as refused:
            db.session.rollback()
            form.refuse(str(refused))
        else:
            db.session.commit()
            outbox.dispatch([email])
            flash(f"{format_money(payment.amount_minor, payment.currency)} paid from the deposit." if new
                  else "This was already paid from the deposit; it was not taken twice.", "success" if new else "info")
            return redirect(url_for("payments.show", payment_id=payment.id), 303)
    invoice = db.session.get(Invoice, invoice_id)
    return render_template("accounts/from_deposit.html", invoice=invoice, form=form,
                           left=deposits.left_for(invoice)), 422


@bp.post(f"/patients/{PATIENT_ID}/account/refunds")
def refund(patient_id):
    """Refund what is left: at once below the threshold, signed by a supervisor on the form, or queued."""
    patient = db.get_or_404(Patient, patient_id)
    form = AccountRefundForm()
    if form.validate_on_submit():
        try:
            outcome, result = _refund(patient, form)
        except approvals.SignOffRefused as refused:
            db.session.commit()  # only the supervisor's failed sign-in count was written
            form.refuse(str(refused))
        except (policy.ApprovalRefused, ledger.AccountRefused) as refused:
            db.session.rollback()
            form.refuse(str(refused))
        else:
            db.session.commit()
            if outcome == "queued":
                flash("The refund waits for a supervisor's approval in the approvals queue.", "info")
                return redirect(url_for(".show", patient_id=patient.id), 303)
            flash(f"{format_money(result.amount_minor, result.currency)} refunded from the account.", "success")
            return redirect(url_for(".entry", entry_id=result.id), 303)
    return _account_page(patient, refund_form=form, status=422)


def _refund(patient, form):
    params = {"patient_id": patient.id, "amount_minor": form.amount_minor, "currency": form.currency.data,
              "channel": form.channel.data, "reference": form.reference.data, "reason": form.reason.data,
              "submission_key": form.submission_key.data}
    thresholds = policy.Thresholds.from_config(current_app.config)
    if not policy.needs_approval(policy.REFUND_DEPOSIT, thresholds, amount_minor=form.amount_minor):
        entry, _new = deposits.refund_unused(
            patient.id, form.amount_minor, form.currency.data, channel=form.channel.data, reason=form.reason.data,
            reference=form.reference.data, actor_id=current_user.id, submission_key=form.submission_key.data,
        )
        return "done", entry
    return approvals.ask(
        policy.REFUND_DEPOSIT, params, requester_id=current_user.id, reason=form.reason.data,
        amount_minor=form.amount_minor, currency=form.currency.data, patient_id=patient.id,
        submission_key=form.submission_key.data, **form.sign_off(),
    )


@bp.get(f"/account-entries/{ENTRY_ID}")
def entry(entry_id):
    found = db.get_or_404(AccountEntry, entry_id)
    return render_template("accounts/entry.html", entry=found, patient=found.patient,
                           kind_labels=ledger.KIND_LABELS, has_document=found.kind in DOCUMENT_KINDS)


@bp.post(f"/account-entries/{ENTRY_ID}/document/<any(a4, roll):paper>")
def print_document(entry_id, paper):
    """Print a deposit receipt or a refund document: counted and audited, "COPY n" from the second print."""
    found = db.get_or_404(AccountEntry, entry_id)
    if found.kind not in DOCUMENT_KINDS:
        return redirect(url_for(".entry", entry_id=found.id), 303)
    copy_number = db.session.execute(
        update(AccountEntry).where(AccountEntry.id == found.id)
        .values(print_count=AccountEntry.print_count + 1).returning(AccountEntry.print_count)
    ).scalar_one()
    audit.record("account_document.printed", found, after={"print_count": copy_number, "paper": paper},
                 actor_id=current_user.id, patient_id=found.patient_id)
    data = pdf.render_account_entry_pdf(found, copy_number, paper=paper)
    db.session.commit()
    filename = f"{found.document_number}-copy{copy_number}-{paper}.pdf"
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private, no-store"})
