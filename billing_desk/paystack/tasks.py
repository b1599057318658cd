"""Background jobs for Paystack: apply a stored webhook event, send a refund. (The sweep's job is in `sweep`.)

Each takes ids, is idempotent, commits its own work and lets failures raise (RQ retries them; the stored
rows let the sweep pick up anything RQ gave up on).
"""
import json
import logging

from flask import current_app
from sqlalchemy import select

from billing_desk.billing import refunds as refund_service
from billing_desk.extensions import db
from billing_desk.jobs import dead_letters
from billing_desk.jobs.context import job
from billing_desk.models import Refund, WebhookEvent
from billing_desk.jobs.after_commit import commit
from billing_desk.paystack import events, outcomes
from billing_desk.paystack.coerce import as_int
from billing_desk.paystack.client import get_client
from billing_desk.paystack.errors import PaystackRejected
from billing_desk.timeutil import utcnow

log = logging.getLogger(__name__)


def event_job_id(event_id):
    """One RQ job id per stored event, so the sweep can tell whether it is still queued. Job ids are global
    in Redis, so the queue prefix keeps two deployments (or test runs) sharing one Redis apart."""
    return f"{current_app.config['QUEUE_PREFIX']}-paystack-webhook-{event_id}"


@job
def apply_webhook_event(event_id):
    """Apply stored event `event_id` exactly once, under a row lock on the event (skipped once processed).

    A failure rolls back, records the error on the event (which stays unprocessed) and raises, so RQ retries.
    """
    return _apply_locked(event_id, lambda payload, eid: events.apply_event(payload["event"], payload["data"], eid))


@job
def recheck_unlinked_charge(event_id):
    """Look again at a charge left `waiting` (the sweep, after the grace period): book it if it can now be
    linked to a payment request, otherwise flag it for review."""
    return _apply_locked(
        event_id,
        lambda payload, eid: events.handle_charge_success(payload["data"], eid, flag_if_unlinked=True),
        redo_outcome=outcomes.WAITING,
    )


def _apply_locked(event_id, action, redo_outcome=None):
    event = db.session.execute(
        select(WebhookEvent).where(WebhookEvent.id == event_id).with_for_update()
    ).scalar_one_or_none()
    if event is None:
        log.warning("webhook event %s does not exist", event_id)
        return None
    if event.processed_at is not None and (redo_outcome is None or event.outcome != redo_outcome):
        db.session.rollback()
        return event.outcome
    try:
        outcome = action(json.loads(event.body), event.id)
    except Exception as error:
        db.session.rollback()
        _note_failure(event_id, error)
        raise
    name = event.event
    event.attempts += 1
    event.outcome = outcome.name
    event.error = outcome.detail if outcome.name in (outcomes.REVIEW, outcomes.WAITING) else None
    event.processed_at = utcnow()
    commit()  # and start the receipts (and request retirements) the event's bookings collected
    log.info("webhook event %s (%s): %s — %s", event_id, name, outcome.name, outcome.detail)
    return outcome.name


def _note_failure(event_id, error):
    """Count the failed attempt; after WEBHOOK_MAX_ATTEMPTS the event is dead-lettered: closed, kept with its
    error for an administrator, and never queued again automatically (see `jobs.dead_letters`)."""
    event = db.session.get(WebhookEvent, event_id, with_for_update=True)
    if event is not None and event.processed_at is None:
        event.attempts += 1
        event.error = f"{type(error).__name__}: {error}"[:2000]
        event.outcome = "error"
        if dead_letters.webhook_attempts_exhausted(event.attempts):
            event.outcome, event.processed_at = dead_letters.DEAD_LETTER, utcnow()
            log.error("webhook event %s failed %s times; dead-lettered: %s", event_id, event.attempts, event.error)
        db.session.commit()


@job
def submit_refund(refund_id):
    """Send a card refund to Paystack — at most once.

    `submitted_at` is committed *before* `POST /refund`: Paystack has no idempotency key, so a call that
    times out is never repeated (that could refund twice). Such a refund stays `submitting` until its
    `refund.*` webhook (matched on transaction reference and amount) moves it on.
    """
    refund = db.session.get(Refund, refund_id, with_for_update=True)
    if refund is None or refund.status != refund_service.SUBMITTING or refund.submitted_at is not None:
        db.session.rollback()
        return None
    refund.submitted_at = utcnow()
    db.session.commit()
    payment = refund.payment
    try:
        created = get_client().create_refund(
            transaction=payment.paystack_reference,
            amount=refund.amount_minor,
            currency=refund.currency,
            merchant_note=f"Refund {refund.id}: {refund.reason}"[:500],
        )
    except PaystackRejected as rejected:
        refund = db.session.get(Refund, refund_id, with_for_update=True)
        refund_service.advance_status(refund, refund_service.FAILED, error=f"Paystack refused: {rejected}")
        db.session.commit()
        return refund_service.FAILED
    except Exception as error:
        refund = db.session.get(Refund, refund_id, with_for_update=True)
        refund.error = f"Not confirmed by Paystack ({type(error).__name__}); waiting for its refund webhook."
        db.session.commit()
        log.warning("refund %s: POST /refund not confirmed (%s); not retried", refund_id, error)
        return refund_service.SUBMITTING
    refund = db.session.get(Refund, refund_id, with_for_update=True)
    refund.paystack_refund_id = as_int(created.get("id"))
    refund.error = None
    status = str(created.get("status") or refund_service.PENDING)
    if status in refund_service.STATUS_RANK:
        refund_service.advance_status(refund, status)
    db.session.commit()
    return refund.status
