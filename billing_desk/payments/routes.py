"""Desk payments (cash and bank transfer), the payment page with its change, receipt prints and invoice PDFs."""
import uuid

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from billing_desk import pdf
from billing_desk.billing.money import format_money
from billing_desk.billing.payments import PaymentRefused
from billing_desk.extensions import db
from billing_desk.invoices.routes import ID
from billing_desk.models import Invoice, Payment
from billing_desk.notifications import outbox
from billing_desk.notifications.compose import invoice_pdf as invoice_pdf_file
from billing_desk.payments.forms import DeskPaymentForm
from billing_desk.payments.service import count_receipt_print, take_desk_payment
from billing_desk.public.links import is_payable

bp = Blueprint("payments", __name__)

PAYMENT_ID = "<id:payment_id>"
PAPER_LABELS = {"a4": "A4", "roll": "80 mm roll"}


def new_payment_form():
    """An empty desk payment form with its own submission key (one per rendered form)."""
    form = DeskPaymentForm(formdata=None)
    form.submission_key.data = uuid.uuid4().hex
    return form


@bp.app_context_processor
def _template_helpers():
    """For `payments/_desk_payment.html`, which the invoice page includes."""
    return {"desk_payment_form": new_payment_form, "can_take_payment": is_payable, "paper_labels": PAPER_LABELS}


@bp.route(f"/invoices/{ID}/payments", methods=["GET", "POST"])
def new(invoice_id):
    """Take cash or a bank transfer. A refused payment shows the form again with the reason (422)."""
    invoice = db.get_or_404(Invoice, invoice_id)
    form = DeskPaymentForm()
    if not form.is_submitted():
        return render_template("payments/new.html", invoice=invoice, form=new_payment_form())
    if form.validate_on_submit():
        try:
            payment, email, is_new = take_desk_payment(
                invoice.id, form.details(currency=invoice.currency, received_by_id=current_user.id),
                actor_id=current_user.id,
            )
        except PaymentRefused as refused:
            db.session.rollback()
            form.show_refusal(refused)
        else:
            db.session.commit()
            outbox.dispatch([email])
            if is_new:
                flash(f"Payment of {format_money(payment.amount_minor, payment.currency)} recorded.", "success")
            else:
                flash("This payment was already recorded; it was not taken twice.", "info")
            return redirect(url_for(".show", payment_id=payment.id), 303)
    return render_template("payments/new.html", invoice=db.session.get(Invoice, invoice_id), form=form), 422


@bp.get(f"/payments/{PAYMENT_ID}")
def show(payment_id):
    payment = db.get_or_404(Payment, payment_id)
    return render_template("payments/show.html", payment=payment, invoice=payment.invoice,
                           balance_after=pdf.balance_after(payment))


def _pdf_response(filename, data, *, disposition):
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        "Cache-Control": "private, no-store",
    })


@bp.post(f"/payments/{PAYMENT_ID}/receipt/<any(a4, roll):paper>")
def print_receipt(payment_id, paper):
    """Print a receipt at the desk: counted and audited (a POST), "COPY n" from the second print on.

    The PDF is rendered before the commit, so a print that fails to render is not counted.
    """
    payment = db.get_or_404(Payment, payment_id)
    copy_number = count_receipt_print(payment, paper=paper, actor_id=current_user.id)
    data = pdf.render_receipt_pdf(payment, copy_number, paper=paper)
    db.session.commit()
    filename = f"receipt-{payment.invoice.number}-{payment.id}-copy{copy_number}-{paper}.pdf"
    return _pdf_response(filename, data, disposition="inline")


@bp.get(f"/invoices/{ID}/invoice.pdf")
def invoice_pdf(invoice_id):
    """The invoice PDF (cached until the invoice changes). A draft has none: it has no number yet."""
    invoice = db.get_or_404(Invoice, invoice_id)
    try:
        filename, data = invoice_pdf_file(invoice)
    except pdf.PdfRefused as refused:
        abort(404, str(refused))
    return _pdf_response(filename, data, disposition="attachment")
