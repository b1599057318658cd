"""Asking for, approving and rejecting guarded actions. Flushes; never commits.

A request stores exactly what it will do (`params`). Approving it runs the action (`approvals.actions`) in the
same transaction, with the requester as the actor and the request's id on what it made, so a failed action
leaves the request pending. Nobody approves their own request, a request is decided once, and only an active
supervisor decides — checked again under the request's row lock, so a supervisor deactivated after the page
was shown, or a second click, is refused in words. Every step is audited with both names.
"""
from sqlalchemy import select

from billing_desk import audit
from billing_desk.approvals import actions, policy
from billing_desk.approvals.policy import ApprovalRefused
from billing_desk.auth.service import SignInRefused, authenticate, sign_in_context
from billing_desk.extensions import db
from billing_desk.models import ApprovalRequest, Staff
from billing_desk.timeutil import utcnow

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
STATUS_LABELS = {PENDING: "Waiting for a supervisor", APPROVED: "Approved", REJECTED: "Rejected"}
DESK, QUEUE = "desk", "queue"
AUDIT_FIELDS = ("action", "status", "amount_minor", "currency", "requested_by_id", "decided_by_id", "decided_via")


def _names(request):
    decided = request.decided_by.full_name if request.decided_by else None
    return f"asked by {request.requested_by.full_name}" + (f", decided by {decided}" if decided else "")


def _audit(action, request, before=None, actor_id=None):
    audit.record(action, request, before=before, after=audit.snapshot(request, AUDIT_FIELDS),
                 actor_id=actor_id, invoice_id=request.invoice_id, patient_id=request.patient_id,
                 note=f"{policy.LABELS[request.action]} — {_names(request)}. {request.decision_note or request.reason}")


def request_approval(action, params, *, requested_by_id, reason, amount_minor=None, currency=None,
                     patient_id=None, invoice_id=None, submission_key=None):
    """Put a guarded action in the approvals queue. A repeated submission finds the first request."""
    if submission_key:
        earlier = db.session.scalars(
            select(ApprovalRequest).where(ApprovalRequest.submission_key == submission_key)).first()
        if earlier is not None:
            return earlier
    reason = (reason or "").strip()
    if not reason:
        raise ApprovalRefused("Give a reason for the supervisor.")
    request = ApprovalRequest(
        action=action, params=params, reason=reason, requested_by_id=requested_by_id, amount_minor=amount_minor,
        currency=currency, patient_id=patient_id, invoice_id=invoice_id, submission_key=submission_key,
    )
    db.session.add(request)
    db.session.flush()
    _audit("approval.requested", request, actor_id=requested_by_id)
    return request


def _check_decider(request, supervisor):
    if supervisor is None or not supervisor.active:
        raise ApprovalRefused("This supervisor's account is deactivated; another supervisor has to decide.")
    if not supervisor.is_supervisor:
        raise ApprovalRefused(f"{supervisor.full_name} is not a supervisor; only a supervisor can decide this.")
    if supervisor.id == request.requested_by_id:
        raise ApprovalRefused("You asked for this yourself: a second member of staff has to approve it.")


def _locked_pending(request_id):
    request = db.session.execute(
        select(ApprovalRequest).where(ApprovalRequest.id == request_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if request is None:
        raise ApprovalRefused("There is no such request.")
    if request.status != PENDING:
        who = request.decided_by.full_name if request.decided_by else "a supervisor"
        raise ApprovalRefused(f"This request was already {request.status} by {who}.")
    return request


def _decide(request_id, supervisor_id, status, *, note, via):
    request = _locked_pending(request_id)
    supervisor = db.session.get(Staff, supervisor_id, populate_existing=True)
    _check_decider(request, supervisor)
    before = audit.snapshot(request, AUDIT_FIELDS)
    request.status = status
    request.decided_by_id = supervisor.id
    request.decided_by = supervisor
    request.decided_at = utcnow()
    request.decided_via = via
    request.decision_note = (note or "").strip() or None
    return request, before


def approve(request_id, *, supervisor_id, note=None, via=QUEUE):
    """Approve and carry out the request. Returns (request, what the action made)."""
    request, before = _decide(request_id, supervisor_id, APPROVED, note=note, via=via)
    result = actions.run(request)
    db.session.flush()
    _audit("approval.approved", request, before, actor_id=supervisor_id)
    return request, result


def reject(request_id, *, supervisor_id, note):
    if not (note or "").strip():
        raise ApprovalRefused("Say why the request is rejected.")
    request, before = _decide(request_id, supervisor_id, REJECTED, note=note, via=QUEUE)
    db.session.flush()
    _audit("approval.rejected", request, before, actor_id=supervisor_id)
    return request


class SignOffRefused(ApprovalRefused):
    """The supervisor's desk sign-off was refused before anything was written: commit (failed tries count)."""


def sign_in_supervisor(email, password, *, requester_id):
    """The supervisor signing off at the desk, by their own credentials (failed tries count toward the lock).

    The caller commits whatever happens, so a wrong password is counted even though nothing else is written.
    """
    if not (email or "").strip() or not password:
        raise SignOffRefused("A supervisor signs here with their own email and password.")
    try:
        supervisor = authenticate(email, password, **sign_in_context())
    except SignInRefused as refused:
        raise SignOffRefused(f"Supervisor sign-off refused: {refused}") from None
    if supervisor.id == requester_id:
        raise SignOffRefused("You cannot sign off your own request: a second member of staff has to.")
    if not supervisor.is_supervisor:
        raise SignOffRefused(f"{supervisor.full_name} is not a supervisor; only a supervisor can sign off.")
    return supervisor


def approve_at_desk(action, params, *, supervisor_id, **request_fields):
    """A request made and approved at once on the requester's form. Returns (request, result)."""
    request = request_approval(action, params, **request_fields)
    return approve(request.id, supervisor_id=supervisor_id, via=DESK)


def ask(action, params, *, requester_id, supervisor_email=None, supervisor_password=None, **request_fields):
    """A guarded action from its form: ("approved", result) when a supervisor signed on the form, else
    ("queued", request). Raises `SignOffRefused` (commit: failed tries count) or `ApprovalRefused`."""
    if (supervisor_email or "").strip() or supervisor_password:
        supervisor = sign_in_supervisor(supervisor_email, supervisor_password, requester_id=requester_id)
        _request, result = approve_at_desk(action, params, supervisor_id=supervisor.id,
                                           requested_by_id=requester_id, **request_fields)
        return "approved", result
    return "queued", request_approval(action, params, requested_by_id=requester_id, **request_fields)
