"""The sweep: what makes a lost webhook, a Redis outage or a crashed worker cost minutes, never money.

1. Stored events not yet applied after `PAYSTACK_SWEEP_EVENT_AGE_SECONDS` are queued again (unless their
   job is still queued or running).
2. Payment requests still `pending` after `PAYSTACK_SWEEP_VERIFY_AFTER_SECONDS` are verified with Paystack
   and whatever was paid is booked through the same `charges.apply_verified_request` the webhooks use.
3. Pushes waiting at a terminal past `expires_at` become `expired`, and their requests are withdrawn.
4. Charges left `waiting` (not linked to a request) after `PAYSTACK_UNLINKED_GRACE_SECONDS` are looked at
   once more and flagged for review if they still cannot be linked.
5. Live requests whose amount is no longer the balance (a withdrawal that failed) are withdrawn again, and
   pending requests older than `PAYSTACK_REQUEST_MAX_AGE_HOURS` are verified, then archived as expired
   (`expire_stale_requests`).

Every knob is read from the app config with the default below (tests set the ages to 0).
"""
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select

from billing_desk.extensions import db
from billing_desk.jobs import enqueue, job_is_live, jobs_run_inline
from billing_desk.jobs.after_commit import commit
from billing_desk.models import PaymentRequest, WebhookEvent
from billing_desk.paystack import charges, events, outcomes, pushes, retire, tasks
from billing_desk.paystack.client import get_client
from billing_desk.paystack.errors import PaystackError, PaystackNotFound
from billing_desk.paystack.payment_requests import R
from billing_desk.timeutil import utcnow

log = logging.getLogger(__name__)

DEFAULTS = {
    "PAYSTACK_SWEEP_EVENT_AGE_SECONDS": 30,
    "PAYSTACK_SWEEP_VERIFY_AFTER_SECONDS": 180,
    "PAYSTACK_SWEEP_REVERIFY_SECONDS": 300,  # a pending request is verified at most this often
    "PAYSTACK_SWEEP_VERIFY_BATCH": 50,  # verify calls per run (test mode allows 100 API calls a minute)
    "PAYSTACK_UNLINKED_GRACE_SECONDS": 600,
    "PAYSTACK_SWEEP_EVENT_BATCH": 500,
    "PAYSTACK_REQUEST_MAX_AGE_HOURS": 24,
}


def setting(name):
    return current_app.config.get(name, DEFAULTS[name])


def seconds_ago(name):
    return utcnow() - timedelta(seconds=setting(name))


@dataclass
class SweepReport:
    requeued: int = 0
    verified: int = 0
    paid: int = 0
    flagged: int = 0
    expired: int = 0
    rechecked: int = 0
    withdrawn: int = 0
    requests_expired: int = 0
    errors: list = field(default_factory=list)

    def __str__(self):
        return (
            f"requeued {self.requeued} events, verified {self.verified} requests ({self.paid} paid, "
            f"{self.flagged} flagged), expired {self.expired} pushes, rechecked {self.rechecked} charges, "
            f"withdrew stale requests of {self.withdrawn} invoices, expired {self.requests_expired} old requests, "
            f"{len(self.errors)} errors"
        )


def run():
    """One pass of every step; returns a SweepReport. Commits as it goes."""
    report = SweepReport()
    requeue_stale_events(report)
    verify_pending_requests(report)
    expire_pushes(report)
    recheck_unlinked_charges(report)
    withdraw_stale_requests(report)
    expire_stale_requests(report)
    log.info("paystack sweep: %s", report)
    return report


def requeue_stale_events(report):
    events = db.session.execute(
        select(WebhookEvent.id)
        .where(WebhookEvent.processed_at.is_(None), WebhookEvent.received_at <= seconds_ago("PAYSTACK_SWEEP_EVENT_AGE_SECONDS"))
        .order_by(WebhookEvent.id)
        .limit(setting("PAYSTACK_SWEEP_EVENT_BATCH"))
    ).scalars().all()
    db.session.rollback()
    for event_id in events:
        if job_is_live(tasks.event_job_id(event_id)):
            continue
        if enqueue(tasks.apply_webhook_event, event_id, queue="webhooks", job_id=tasks.event_job_id(event_id)):
            report.requeued += 1
        elif not jobs_run_inline():
            report.errors.append("Redis unavailable: events not queued")
            break



def verify_pending_requests(report, *, created_from=None, created_to=None, batch=None):
    """Verify `pending` requests with Paystack and book what was paid. With `created_from`/`created_to`
    (reconciliation) every pending request of that window is verified, however recently it was checked."""
    query = select(PaymentRequest.id).where(
        PaymentRequest.status == R.PENDING, PaymentRequest.request_code.is_not(None)
    )
    if created_from is not None:
        query = query.where(PaymentRequest.created_at >= created_from, PaymentRequest.created_at < created_to)
    else:
        recheck_before = seconds_ago("PAYSTACK_SWEEP_REVERIFY_SECONDS")
        query = query.where(
            PaymentRequest.created_at <= seconds_ago("PAYSTACK_SWEEP_VERIFY_AFTER_SECONDS"),
            or_(PaymentRequest.last_verified_at.is_(None), PaymentRequest.last_verified_at <= recheck_before),
        )
    ids = db.session.execute(
        query.order_by(PaymentRequest.last_verified_at.is_not(None), PaymentRequest.last_verified_at, PaymentRequest.id)
        .limit(batch or setting("PAYSTACK_SWEEP_VERIFY_BATCH"))
    ).scalars().all()
    db.session.rollback()
    for request_id in ids:
        try:
            outcome = verify_request(request_id)
        except Exception as error:  # one bad request must not stop the sweep; it is tried again next run
            db.session.rollback()
            if not isinstance(error, PaystackError):
                log.exception("sweep: verifying payment request %s failed", request_id)
            report.errors.append(f"payment request {request_id}: {type(error).__name__}: {error}")
            continue
        report.verified += 1
        report.paid += outcome.name == outcomes.PAID
        report.flagged += outcome.name == outcomes.REVIEW


def verify_request(payment_request_id):
    """Verify one request with Paystack and apply the result (the webhook path's own function). Commits."""
    payment_request = db.session.get(PaymentRequest, payment_request_id)
    code = payment_request.request_code
    db.session.rollback()  # no transaction held open across the HTTP call
    try:
        verified = get_client().verify_payment_request(code)
    except PaystackNotFound:
        payment_request = db.session.get(PaymentRequest, payment_request_id, with_for_update=True)
        payment_request.last_verified_at = utcnow()
        outcome = events.flag_unverifiable(f"request:{code}", None, invoice_id=payment_request.invoice_id)
        commit()
        return outcome
    payment_request = db.session.get(PaymentRequest, payment_request_id, with_for_update=True)
    outcome = charges.apply_verified_request(payment_request, verified)
    commit()
    return outcome


def expire_pushes(report):
    """Store expiry of pushes past their time; after the commit their requests are withdrawn from the
    terminals (`retire.retire_stale_requests`), so a late tap cannot charge them."""
    expired = pushes.expire_due_pushes(utcnow())
    for invoice_id in {push.invoice_id for push in expired}:
        retire.retire_after_commit(invoice_id)
    commit()
    report.expired += len(expired)


def recheck_unlinked_charges(report):
    events = db.session.execute(
        select(WebhookEvent.id).where(
            WebhookEvent.outcome == outcomes.WAITING,
            WebhookEvent.received_at <= seconds_ago("PAYSTACK_UNLINKED_GRACE_SECONDS"),
        )
    ).scalars().all()
    db.session.rollback()
    for event_id in events:
        if enqueue(tasks.recheck_unlinked_charge, event_id, queue="webhooks"):
            report.rechecked += 1


def withdraw_stale_requests(report):
    """Retry withdrawals that failed: live requests that no longer ask for their invoice's balance."""
    invoice_ids = retire.stale_request_ids(setting("PAYSTACK_SWEEP_VERIFY_BATCH"))
    db.session.rollback()
    for invoice_id in invoice_ids:
        try:
            report.withdrawn += bool(retire.retire_stale_requests(invoice_id))
        except PaystackError as error:
            db.session.rollback()
            report.errors.append(f"invoice {invoice_id}: withdrawing its old request failed: {error}")


def expire_stale_requests(report, now=None):
    """Pending requests older than PAYSTACK_REQUEST_MAX_AGE_HOURS are verified (what was paid is booked), then
    archived at Paystack and shown as expired; a new request is made when someone next pays."""
    cutoff = (now or utcnow()) - timedelta(hours=setting("PAYSTACK_REQUEST_MAX_AGE_HOURS"))
    ids = db.session.scalars(
        select(PaymentRequest.id).where(PaymentRequest.status == R.PENDING, PaymentRequest.created_at <= cutoff)
        .order_by(PaymentRequest.id).limit(setting("PAYSTACK_SWEEP_VERIFY_BATCH"))
    ).all()
    db.session.rollback()
    for request_id in ids:
        try:
            report.requests_expired += retire.expire_request(request_id)
        except PaystackError as error:
            db.session.rollback()
            report.errors.append(f"payment request {request_id}: expiring it failed: {error}")

