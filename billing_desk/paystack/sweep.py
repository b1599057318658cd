"""The sweep: what makes a lost webhook, a Redis outage or a crashed worker cost minutes, never money.

1. Stored events not yet applied after `PAYSTACK_SWEEP_EVENT_AGE_SECONDS` are queued again (unless their
   job is still queued or running).
2. Payment requests still `pending` after `PAYSTACK_SWEEP_VERIFY_AFTER_SECONDS` are verified with Paystack
   and whatever was paid is booked through the same `apply.apply_verified_request` the webhooks use.
3. Pushes waiting at a terminal past `expires_at` become `expired`.
4. Charges left `waiting` (not linked to a request) after `PAYSTACK_UNLINKED_GRACE_SECONDS` are looked at
   once more and flagged for review if they still cannot be linked.

Every knob is read from the app config with the default below (tests set the ages to 0).
"""
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select

from billing_desk.extensions import db
from billing_desk.jobs import enqueue, job_is_live, jobs_run_inline
from billing_desk.models import PaymentRequest, TerminalPush, WebhookEvent
from billing_desk.paystack import apply, sync, tasks
from billing_desk.paystack.client import PaystackError, PaystackNotFound, get_client
from billing_desk.timeutil import utcnow

log = logging.getLogger(__name__)

DEFAULTS = {
    "PAYSTACK_SWEEP_EVENT_AGE_SECONDS": 30,
    "PAYSTACK_SWEEP_VERIFY_AFTER_SECONDS": 180,
    "PAYSTACK_SWEEP_REVERIFY_SECONDS": 300,  # a pending request is verified at most this often
    "PAYSTACK_SWEEP_VERIFY_BATCH": 50,  # verify calls per run (test mode allows 100 API calls a minute)
    "PAYSTACK_UNLINKED_GRACE_SECONDS": 600,
    "PAYSTACK_SWEEP_EVENT_BATCH": 500,
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
    errors: list = field(default_factory=list)

    def __str__(self):
        return (
            f"requeued {self.requeued} events, verified {self.verified} requests ({self.paid} paid, "
            f"{self.flagged} flagged), expired {self.expired} pushes, rechecked {self.rechecked} charges, "
            f"{len(self.errors)} errors"
        )


def run():
    """One pass of all four steps; returns a SweepReport. Commits as it goes."""
    report = SweepReport()
    requeue_stale_events(report)
    verify_pending_requests(report)
    expire_pushes(report)
    recheck_unlinked_charges(report)
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
        PaymentRequest.status == "pending", PaymentRequest.request_code.is_not(None)
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
        report.paid += outcome.name == apply.PAID
        report.flagged += outcome.name == apply.REVIEW


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
        outcome = apply.flag_unverifiable(f"request:{code}", None, invoice_id=payment_request.invoice_id)
        db.session.commit()
        return outcome
    payment_request = db.session.get(PaymentRequest, payment_request_id, with_for_update=True)
    outcome = apply.apply_verified_request(payment_request, verified)
    db.session.commit()
    apply.dispatch_receipts(outcome)
    return outcome


def expire_pushes(report):
    now = utcnow()
    pushes = db.session.execute(
        select(TerminalPush)
        .where(TerminalPush.status.in_(apply.OPEN_PUSH_STATUSES), TerminalPush.expires_at <= now)
        .with_for_update(skip_locked=True)
    ).scalars().all()
    for push in pushes:
        sync.expire_push(push, now)
    db.session.commit()
    report.expired += len(pushes)


def recheck_unlinked_charges(report):
    events = db.session.execute(
        select(WebhookEvent.id).where(
            WebhookEvent.outcome == apply.WAITING,
            WebhookEvent.received_at <= seconds_ago("PAYSTACK_UNLINKED_GRACE_SECONDS"),
        )
    ).scalars().all()
    db.session.rollback()
    for event_id in events:
        if enqueue(tasks.recheck_unlinked_charge, event_id, queue="webhooks"):
            report.rechecked += 1
