"""What each guarded action does once approved, and the work to start after the commit.

Each runner carries out a request's `params` with the requester as the actor; the
refusals of the underlying services (a void on a paid invoice, a refund above what is left…) come back as
`ApprovalRefused`, so the approval is rolled back with them and the request stays pending.
"""
from billing_desk.accounts import deposits, ledger
from billing_desk.approvals import policy
from billing_desk.approvals.policy import ApprovalRefused
from billing_desk.billing import invoices, refunds


def _void(params, *, actor_id, approval_id=None):
    return invoices.void_invoice(params["invoice_id"], reason=params["reason"], actor_id=actor_id)


def _refund_payment(params, *, actor_id, approval_id=None):
    return refunds.create_refund(params["payment_id"], params["amount_minor"], channel=params["channel"],
                                 reason=params["reason"], actor_id=actor_id)


def _refund_deposit(params, *, actor_id, approval_id=None):
    entry, _new = deposits.refund_unused(
        params["patient_id"], params["amount_minor"], params["currency"], channel=params["channel"],
        reason=params["reason"], reference=params.get("reference"), actor_id=actor_id, approval_id=approval_id,
        submission_key=params.get("submission_key"),
    )
    return entry


RUNNERS = {policy.VOID: _void, policy.REFUND_PAYMENT: _refund_payment, policy.REFUND_DEPOSIT: _refund_deposit}
REFUSALS = (invoices.InvoiceRefused, refunds.RefundRefused, ledger.AccountRefused)


def run(request):
    """Carry out an approved request."""
    return run_now(request.action, request.params, actor_id=request.requested_by_id, approval_id=request.id)


def run_now(action, params, *, actor_id, approval_id=None):
    """Carry out `action` — approved (`approval_id`) or below every threshold."""
    try:
        return RUNNERS[action](params, actor_id=actor_id, approval_id=approval_id)
    except REFUSALS as refused:
        raise ApprovalRefused(str(refused)) from None


def after_commit(result):
    """Start what an approved action needs once committed: a card refund is sent to Paystack."""
    from billing_desk.jobs import enqueue
    from billing_desk.models import Refund

    if isinstance(result, Refund) and result.status == refunds.SUBMITTING:
        from billing_desk.paystack.tasks import submit_refund

        enqueue(submit_refund, result.id, queue="default")
