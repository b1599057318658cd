"""The integrations' part of `flask sweep`: deliveries whose job was lost or whose retry is due, and
forgetting idempotency keys past their 24 hours."""
import logging
from datetime import timedelta

from sqlalchemy import select, update

from billing_desk.api import idempotency
from billing_desk.extensions import db
from billing_desk.integrations import outbox
from billing_desk.jobs import job_is_live
from billing_desk.models import WebhookDelivery
from billing_desk.timeutil import utcnow

log = logging.getLogger(__name__)
QUEUED_AGE = timedelta(seconds=60)
SENDING_STALE = timedelta(minutes=5)
BATCH = 200


def _reopen_interrupted(now):
    """A row left "sending" by a worker that died mid-POST is tried again (delivery is at least once)."""
    result = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.status == outbox.SENDING, WebhookDelivery.claimed_at <= now - SENDING_STALE)
        .values(status=outbox.FAILED, next_attempt_at=now, last_error="The try was interrupted; trying again.")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def due_ids(now):
    return db.session.scalars(
        select(WebhookDelivery.id).where(
            ((WebhookDelivery.status == outbox.QUEUED) & (WebhookDelivery.created_at <= now - QUEUED_AGE))
            | ((WebhookDelivery.status == outbox.FAILED) & (WebhookDelivery.next_attempt_at <= now))
        ).order_by(WebhookDelivery.id).limit(BATCH)
    ).all()


def run_integration_sweep(now=None):
    """One pass; commits. Returns a line for the sweep's output."""
    now = now or utcnow()
    reopened = _reopen_interrupted(now)
    forgotten = idempotency.purge_expired(now)
    ids = due_ids(now)
    db.session.commit()
    started = outbox.dispatch([i for i in ids if not job_is_live(outbox.job_id(i))])
    summary = f"{reopened} interrupted deliveries reopened, {started} deliveries started, {forgotten} idempotency keys forgotten"
    log.info("integration sweep: %s", summary)
    return summary
