"""Desk payments (cash and bank transfer), the payment page with its change, receipt prints and invoice PDFs."""
import uuid

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from billing_desk import pdf
from billing_desk.billing.money import format_money, to_major_text
from billing_desk.billing.payments import PaymentRefused
from billing_desk.billing.states import is_payable
from billing_desk.extensions import db
from billing_desk.invoices.routes import ID
from billing_desk.models import Invoice, Payment
from billing_desk.notifications import outbox
from billing_desk.notifications.compose import invoice_pdf as invoice_pdf_file
from billing_desk.payments.forms import DeskPaymentForm
from billing_desk.payments.service import count_receipt_print, take_desk_payment
from billing_desk.shifts.service import open_shift_of

bp = Blueprint("payments", __name__)

PAYMENT_ID = "<id:payment_id>"
PAPER_LABELS = {"a4": "A4", "roll": "80 mm roll"}


def new_payment_form(invoice):
    """A desk payment form for `invoice` with its own submission key (one per rendered form), the amount
    filled in with the balance due: the usual payment is all of it."""
    form = DeskPaymentForm(formdata=None)
    form.submission_key.data = uuid.uuid4().hex
    form.amount.data = to_major_text(invoice.balance_due_minor) if invoice.balance_due_minor else ""
    return form


@bp.app_context_processor
def _template_helpers():
    """For `payments/_desk_payment.html`, which the invoice page includes."""
    return {"desk_payment_form": new_payment_form, "can_take_payment": is_payable, "paper_labels": PAPER_LABELS,
            "needs_shift": needs_shift}


def needs_shift():
    """Whether the signed-in cashier must open a shift before taking cash or a transfer."""
    return bool(current_app.config["REQUIRE_OPEN_SHIFT"]) and open_shift_of(current_user.id) is None


@bp.route(f"/invoices/{ID}/payments", methods=["GET", "POST"])
def new(invoice_id):
    """Take cash or a bank transfer. A refused payment shows the form again with the reason (422)."""
    invoice = db.get_or_404(Invoice, invoice_id)
    form = DeskPaymentForm()
    if not form.is_submitted():
        return render_template("payments/new.html", invoice=invoice, form=new_payment_form(invoice))
    if form.validate_on_submit():
        try:
            payment, email, is_new = take_desk_payment(
                invoice.id, form.details(currency=invoice.currency, received_by_id=current_user.id),
                actor_id=current_user.id, require_open_shift=current_app.config["REQUIRE_OPEN_SHIFT"],
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
    """Print a receipt at the desk: counted and audited (a POST), then the printable receipt with that copy number.

    Copies are counted per receipt whatever the paper: A4 then roll is the original and "COPY 2".
    """
    payment = db.get_or_404(Payment, payment_id)
    copy_number = count_receipt_print(payment, paper=paper, actor_id=current_user.id)
    db.session.commit()
    return redirect(url_for(".receipt", payment_id=payment.id, paper=paper, copy=copy_number), 303)


@bp.get(f"/payments/{PAYMENT_ID}/receipt/<any(a4, roll):paper>/<id:copy>")
def receipt(payment_id, paper, copy):
    """The printable HTML receipt of one counted print; the page opens the browser's print dialog.

    Only copies already counted exist, so a receipt cannot be reprinted as an original by editing the address.
    """
    payment = db.get_or_404(Payment, payment_id)
    if copy > payment.receipt_print_count:
        abort(404, "That copy of the receipt has not been printed; print it from the invoice.")
    invoice = payment.invoice
    return render_template(
        "payments/receipt.html", payment=payment, invoice=invoice, patient=invoice.patient, paper=paper,
        paper_label=PAPER_LABELS[paper], balance_after=pdf.balance_after(payment), copy_label=pdf.copy_label(copy),
    )


@bp.get(f"/payments/{PAYMENT_ID}/receipt-<any(a4, roll):paper>.pdf")
def receipt_pdf(payment_id, paper):
    """The receipt as a PDF to download: the patient's copy (the one emailed), not a desk print, so not counted."""
    payment = db.get_or_404(Payment, payment_id)
    data = pdf.render_receipt_pdf(payment, 0, paper=paper)
    return _pdf_response(f"receipt-{payment.invoice.number}-{payment.id}-{paper}.pdf", data,
                         disposition="attachment")


@bp.get(f"/invoices/{ID}/invoice.pdf")
def invoice_pdf(invoice_id):
    """The invoice PDF (cached until the invoice changes). A draft has none: it has no number yet."""
    invoice = db.get_or_404(Invoice, invoice_id)
    try:
        filename, data = invoice_pdf_file(invoice)
    except pdf.PdfRefused as refused:
        abort(404, str(refused))
    return _pdf_response(filename, data, disposition="attachment")
