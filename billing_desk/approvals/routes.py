"""The approvals queue: every member of staff sees what waits; supervisors approve or reject (403 otherwise)."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from billing_desk.approvals import actions, policy, service
from billing_desk.approvals.forms import DecisionForm, RejectForm
from billing_desk.extensions import db
from billing_desk.models import ApprovalRequest

bp = Blueprint("approvals", __name__, url_prefix="/approvals")

REQUEST_ID = "<id:request_id>"
RECENT = 50


def _requests(*statuses, limit=None):
    query = (select(ApprovalRequest).where(ApprovalRequest.status.in_(statuses))
             .options(joinedload(ApprovalRequest.requested_by), joinedload(ApprovalRequest.decided_by))
             .order_by(ApprovalRequest.id.desc()).limit(limit))
    return db.session.scalars(query).all()


@bp.get("/")
def index(status=200, failed_id=None, reject_form=None):
    return render_template(
        "approvals/index.html", pending=_requests(service.PENDING),
        decided=_requests(service.APPROVED, service.REJECTED, limit=RECENT), labels=policy.LABELS,
        status_labels=service.STATUS_LABELS, decision_form=DecisionForm(formdata=None),
        reject_form=reject_form or RejectForm(formdata=None), failed_id=failed_id,
    ), status


def _supervisors_only():
    if not current_user.is_supervisor:
        abort(403, "Only a supervisor can approve or reject requests.")


@bp.post(f"/{REQUEST_ID}/approve")
def approve(request_id):
    _supervisors_only()
    db.get_or_404(ApprovalRequest, request_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return index(status=422, failed_id=request_id)
    try:
        request, result = service.approve(request_id, supervisor_id=current_user.id, note=form.note.data)
    except policy.ApprovalRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for(".index"), 303)
    db.session.commit()
    actions.after_commit(result)
    flash(f"Approved and done: {policy.LABELS[request.action].lower()} for {request.requested_by.full_name}.",
          "success")
    return redirect(url_for(".index"), 303)


@bp.post(f"/{REQUEST_ID}/reject")
def reject(request_id):
    _supervisors_only()
    db.get_or_404(ApprovalRequest, request_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return index(status=422, failed_id=request_id, reject_form=form)
    try:
        service.reject(request_id, supervisor_id=current_user.id, note=form.note.data)
    except policy.ApprovalRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for(".index"), 303)
    db.session.commit()
    flash("Request rejected; nothing was done.", "info")
    return redirect(url_for(".index"), 303)
