"""Keeping at most one payable request per invoice, for exactly its balance: withdrawing the others.

Any change to an invoice's money or status (cash, transfer, card, refund, void — whatever code makes it) is
seen when it is flushed (`_note_money_changes`), and after the commit a job, `retire_stale_requests`,
withdraws the invoice's open requests that no longer ask for the balance: each is verified first and what
was paid on it is booked (an archived request can no longer be verified), then archived at Paystack.
A push that ended (timed out, stopped) schedules the same job, so its request leaves the terminal and a late
tap cannot charge it. A failed archive raises (RQ retries the job); the sweep also finds any live request
whose amount differs from the balance (`stale_request_ids`) and any older than PAYSTACK_REQUEST_MAX_AGE_HOURS.
"""
import logging

from sqlalchemy import event, exists, or_, select
from sqlalchemy.orm import Session

from billing_desk.billing import states
from billing_desk.extensions import db
from billing_desk.jobs.after_commit import commit, start_after_commit
from billing_desk.jobs.context import job
from billing_desk.models import Invoice, PaymentRequest, TerminalPush
from billing_desk.paystack import charges, pushes
from billing_desk.paystack import payment_requests as requests_
from billing_desk.paystack.client import get_client
from billing_desk.paystack.errors import PaystackRejected

log = logging.getLogger(__name__)
R = requests_.R
MONEY_FIELDS = ("amount_paid_minor", "amount_refunded_minor", "total_minor", "status")


def retire_request(row, to=R.ARCHIVED):
    """Take a pending request out of use: verify it and book anything paid on it, then archive it at Paystack
    unless it turned out paid; its open pushes are closed as replaced. Flushes; the caller commits."""
    client = get_client()
    try:
        verified = client.verify_payment_request(row.request_code)
    except PaystackRejected:  # already archived, or unknown at Paystack: nothing left to collect on it
        verified = None
    if verified and (verified.get("transactions") or verified.get("paid")):
        charges.apply_verified_request(row, verified)
    if row.status == R.SUCCESS:
        return
    if verified is not None:
        client.archive_payment_request(row.request_code)
    requests_.set_status(row, to)
    pushes.replace_open_pushes(TerminalPush.payment_request_id == row.id)
    db.session.flush()


def should_retire(row, invoice):
    """A pending request stays live only while it asks for the whole balance of a payable invoice and no push
    of it has ended on a terminal."""
    return not (states.is_payable(invoice) and requests_.fits(row, invoice)) or pushes.has_ended_push(row.id)


@job
def retire_stale_requests(invoice_id):
    """Withdraw the invoice's pending requests that should no longer be paid (see `should_retire`). Commits
    after each; a Paystack failure raises so the job is retried (and the sweep looks again)."""
    retired = 0
    for row in requests_.open_requests(invoice_id):
        invoice = db.session.get(Invoice, invoice_id, populate_existing=True)
        if row.status != R.PENDING or not should_retire(row, invoice):
            continue  # a `creating` row is settled by the attempt making it (or `creation.resolve_creating`)
        retire_request(row)
        commit()
        retired += 1
    db.session.rollback()
    return retired


def retire_after_commit(invoice_id):
    start_after_commit(retire_stale_requests, invoice_id, queue="default")


def stale_request_ids(limit):
    """Live requests whose amount is not the invoice's balance any more, or whose invoice is not payable."""
    balance = Invoice.total_minor - Invoice.amount_paid_minor - Invoice.amount_refunded_minor
    return db.session.scalars(
        select(PaymentRequest.invoice_id).distinct()
        .join(Invoice, Invoice.id == PaymentRequest.invoice_id)
        .where(PaymentRequest.status == R.PENDING,
               or_(PaymentRequest.amount_minor != balance, Invoice.status.not_in(tuple(states.PAYABLE))))
        .limit(limit)
    ).all()


def expire_request(payment_request_id):
    """Verify one old pending request, book what was paid, and archive it as expired. Commits."""
    row = db.session.get(PaymentRequest, payment_request_id, populate_existing=True)
    if row is None or row.status != R.PENDING:
        return False
    retire_request(row, to=R.EXPIRED)
    commit()
    return True


@event.listens_for(Session, "after_flush")
def _note_money_changes(session, _flush_context):
    """Schedule `retire_stale_requests` for every flushed invoice whose money or status changed and that has
    an open request (checked on the flush's own connection)."""
    changed = [obj.id for obj in session.dirty if isinstance(obj, Invoice) and _money_changed(obj)]
    if not changed:
        return
    with_requests = session.connection().execute(
        select(Invoice.id).where(Invoice.id.in_(changed), exists().where(
            PaymentRequest.invoice_id == Invoice.id, PaymentRequest.status.in_(requests_.OPEN)))
    ).scalars().all()
    for invoice_id in with_requests:
        retire_after_commit(invoice_id)


def _money_changed(invoice):
    state = db.inspect(invoice)
    return any(state.attrs[name].history.has_changes() for name in MONEY_FIELDS)
