"""Refund forms and the payment review list — administrators only (403 for cashiers)."""
import uuid

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from billing_desk.approvals import policy
from billing_desk.approvals import service as approvals
from billing_desk.auth.access import require_admin_for_blueprint
from billing_desk.billing import refunds as refund_service
from billing_desk.extensions import db
from billing_desk.invoices.panels import invoice_panel
from billing_desk.jobs import enqueue
from billing_desk.jobs.after_commit import commit
from billing_desk.models import Invoice, Payment, PaymentReview, Refund
from billing_desk.paystack.review_actions import ReviewRefused, actions_for, resolve_review
from billing_desk.paystack.reviews import KINDS as REVIEW_KINDS
from billing_desk.refunds.forms import RefundForm, ResolveReviewForm

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


@bp.route("/payments/<id:payment_id>/refund", methods=["GET", "POST"])
def new(payment_id):
    payment = db.get_or_404(Payment, payment_id, description="There is no such payment.")
    form = RefundForm(methods=refund_service.methods_for(payment))
    if not form.is_submitted():
        form.submission_key.data = uuid.uuid4().hex
    if form.validate_on_submit():
        needed = policy.needs_approval(policy.REFUND_PAYMENT, policy.Thresholds.from_config(current_app.config),
                                       amount_minor=form.amount_minor)
        try:
            refund = _approved_refund(payment, form) if needed else refund_service.create_refund(
                payment.id, form.amount_minor, channel=form.method.data, reason=form.reason.data,
                actor_id=current_user.id, submission_key=form.submission_key.data or None,
            )
        except approvals.SignOffRefused as refused:
            db.session.commit()  # only the supervisor's failed sign-in count was written
            form.amount.errors.append(str(refused))
        except (refund_service.RefundRefused, policy.ApprovalRefused) as refused:
            db.session.rollback()
            form.amount.errors.append(str(refused))
        else:
            db.session.commit()
            if refund is None:
                flash("The refund waits for a supervisor's approval in the approvals queue.", "info")
            elif refund.status == refund_service.SUBMITTING:
                from billing_desk.paystack.tasks import submit_refund

                enqueue(submit_refund, refund.id, queue="default")
                flash("The refund was sent to Paystack; the invoice changes when Paystack confirms it.", "info")
            else:
                flash("Cash refund recorded.", "info")
            return redirect(_invoice_url(payment.invoice_id))
    return render_template(
        "refunds/new.html", form=form, payment=payment, invoice=payment.invoice,
        refundable=refund_service.refundable_minor(payment), invoice_url=_invoice_url(payment.invoice_id),
        needs_approval=policy.needs_approval(policy.REFUND_PAYMENT, policy.Thresholds.from_config(current_app.config)),
    ), (422 if form.errors else 200)


def _approved_refund(payment, form):
    """A refund at or above the approval threshold: signed by a supervisor on the form (returns the refund)
    or put in the approvals queue (returns None)."""
    params = {"payment_id": payment.id, "amount_minor": form.amount_minor, "channel": form.method.data,
              "reason": form.reason.data}
    outcome, result = approvals.ask(
        policy.REFUND_PAYMENT, params, requester_id=current_user.id, reason=form.reason.data,
        amount_minor=form.amount_minor, currency=payment.currency, invoice_id=payment.invoice_id,
        patient_id=payment.invoice.patient_id, submission_key=form.submission_key.data or None, **form.sign_off(),
    )
    return result if outcome == "approved" else None


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
        "refunds/reviews.html", page=page, show=show, kinds=REVIEW_KINDS, form=ResolveReviewForm(),
        **_review_page_data(page),
    )


@bp.post("/admin/reviews/<id:review_id>/resolve")
def resolve(review_id):
    db.get_or_404(PaymentReview, review_id)
    form = ResolveReviewForm()
    if form.validate_on_submit():
        try:
            resolve_review(review_id, form.action.data, form.note.data, actor_id=current_user.id)
        except ReviewRefused as refused:
            db.session.rollback()
            flash(str(refused), "error")
            return redirect(url_for("refunds.reviews"))
        commit()  # and start the receipt of money booked from review
        flash("Review resolved.", "info")
        return redirect(url_for("refunds.reviews"))
    page = db.paginate(
        select(PaymentReview).where(PaymentReview.status == "open").order_by(PaymentReview.id.desc()),
        per_page=50, error_out=False,
    )
    return render_template(
        "refunds/reviews.html", page=page, show="open", kinds=REVIEW_KINDS, form=form, failed_review=review_id,
        **_review_page_data(page),
    ), 422


def _review_page_data(page):
    """The invoice numbers the listed reviews name, and the actions each one offers now."""
    invoice_ids = {review.invoice_id for review in page.items if review.invoice_id}
    numbers = dict(db.session.execute(select(Invoice.id, Invoice.number).where(Invoice.id.in_(invoice_ids))).all())
    return {"invoice_numbers": numbers, "actions": {review.id: actions_for(review) for review in page.items}}
