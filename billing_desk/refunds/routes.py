"""Refund forms and the payment review list — administrators only (403 for cashiers)."""
import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from billing_desk.auth.access import require_admin_for_blueprint
from billing_desk.billing import refunds as refund_service
from billing_desk.extensions import db
from billing_desk.invoices.panels import invoice_panel
from billing_desk.jobs import enqueue
from billing_desk.models import Payment, PaymentReview, Refund
from billing_desk.refunds.forms import RefundForm, ResolveReviewForm
from billing_desk.refunds.service import REVIEW_KINDS, ReviewRefused, resolve_review

bp = Blueprint("refunds", __name__)
require_admin_for_blueprint(bp)


@invoice_panel("refunds")
def invoice_refunds(invoice):
    """For `refunds/_refunds.html`: the invoice's refunds, oldest first, and what is left to refund per payment."""
    refunds = db.session.scalars(select(Refund).where(Refund.invoice_id == invoice.id).order_by(Refund.id)).all()
    # Only administrators get the "Refund…" links.
    admin = current_user.is_authenticated and current_user.is_admin
    refundable = refund_service.refundable_on_invoice(invoice) if admin else {}
    return {"refunds": refunds, "refundable": refundable}


@bp.app_template_filter("refund_status")
def refund_status_label(status):
    return refund_service.LABELS.get(status, status)


@bp.route("/payments/<int:payment_id>/refund", methods=["GET", "POST"])
def new(payment_id):
    payment = db.get_or_404(Payment, payment_id, description="There is no such payment.")
    form = RefundForm(methods=refund_service.methods_for(payment))
    if not form.is_submitted():
        form.submission_key.data = uuid.uuid4().hex
    if form.validate_on_submit():
        try:
            refund = refund_service.create_refund(
                payment.id, form.amount_minor, channel=form.method.data, reason=form.reason.data,
                actor_id=current_user.id, submission_key=form.submission_key.data or None,
            )
        except refund_service.RefundRefused as refused:
            db.session.rollback()
            form.amount.errors.append(str(refused))
        else:
            db.session.commit()
            if refund.status == refund_service.SUBMITTING:
                from billing_desk.paystack.tasks import submit_refund

                enqueue(submit_refund, refund.id, queue="default")
                flash("The refund was sent to Paystack; the invoice changes when Paystack confirms it.", "info")
            else:
                flash("Cash refund recorded.", "info")
            return redirect(_invoice_url(payment.invoice_id))
    return render_template(
        "refunds/new.html", form=form, payment=payment, invoice=payment.invoice,
        refundable=refund_service.refundable_minor(payment), invoice_url=_invoice_url(payment.invoice_id),
    ), (422 if form.errors else 200)


def _invoice_url(invoice_id):
    return url_for("invoices.show", invoice_id=invoice_id)


@bp.get("/admin/reviews")
def reviews():
    show = request.args.get("show", "open")
    query = select(PaymentReview).order_by(PaymentReview.id.desc())
    if show != "all":
        show = "open"
        query = query.where(PaymentReview.status == "open")
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template(
        "refunds/reviews.html", page=page, show=show, kinds=REVIEW_KINDS, form=ResolveReviewForm()
    )


@bp.post("/admin/reviews/<int:review_id>/resolve")
def resolve(review_id):
    db.get_or_404(PaymentReview, review_id)
    form = ResolveReviewForm()
    if form.validate_on_submit():
        try:
            resolve_review(review_id, form.note.data, actor_id=current_user.id)
        except ReviewRefused as refused:
            db.session.rollback()
            flash(str(refused), "error")
            return redirect(url_for("refunds.reviews"))
        db.session.commit()
        flash("Review resolved.", "info")
        return redirect(url_for("refunds.reviews"))
    page = db.paginate(
        select(PaymentReview).where(PaymentReview.status == "open").order_by(PaymentReview.id.desc()),
        per_page=50, error_out=False,
    )
    return render_template(
        "refunds/reviews.html", page=page, show="open", kinds=REVIEW_KINDS, form=form, failed_review=review_id
    ), 422
