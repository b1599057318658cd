"""Webhook deliveries as outbox rows: written with the event's transaction, started after its commit.

`emit` adds the rows and notes their ids on the session. When that session commits, the ids are started:
with RQ at once (only Redis is touched), inline at the end of the web request (a commit cannot run the job
itself: the session is between transactions then). A rollback forgets them. Whatever is not started — a
Redis outage, a CLI commit — is picked up by `flask sweep` (`sweep.run_integration_sweep`).
"""
import json
import uuid
from datetime import timedelta

from flask import current_app, has_app_context
from rq import Retry
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from billing_desk import audit
from billing_desk.api.outputs import DepositOut, InvoiceOut, PaymentOut, RefundOut, utc_text
from billing_desk.extensions import db
from billing_desk.jobs import enqueue, jobs_run_inline
from billing_desk.models import WebhookDelivery, WebhookSubscription
from billing_desk.timeutil import utcnow

QUEUED, SENDING, DELIVERED, FAILED = "queued", "sending", "delivered", "failed"
# Each event and the model its `data` is written with (the API's own output, so both read the same).
EVENTS = {
    "invoice.issued": InvoiceOut,
    "invoice.paid": InvoiceOut,
    "invoice.voided": InvoiceOut,
    "payment.recorded": PaymentOut,
    "refund.processed": RefundOut,
    "deposit.recorded": DepositOut,
}
_NEW, _READY = "integration_deliveries_new", "integration_deliveries_ready"


def body_for(event_name, entity, event_id):
    data = EVENTS[event_name].model_validate(entity).model_dump(mode="json")
    return json.dumps({"id": event_id, "type": event_name, "created_at": utc_text(utcnow()), "data": data},
                      separators=(",", ":"))


def emit(event_name, entity):
    """Queue `event_name` about `entity` for every active subscription to it (flushes; the caller commits)."""
    wanted = [sub for sub in db.session.scalars(select(WebhookSubscription).where(WebhookSubscription.active))
              if event_name in sub.event_list]
    if not wanted:
        return []
    event_id = f"evt_{uuid.uuid4().hex}"
    body = body_for(event_name, entity, event_id)
    rows = [WebhookDelivery(subscription_id=sub.id, event=event_name, event_id=event_id, body=body) for sub in wanted]
    db.session.add_all(rows)
    db.session.flush()
    db.session.info.setdefault(_NEW, []).extend(row.id for row in rows)
    return rows


@event.listens_for(Session, "after_commit")
def _start_after_commit(session):
    ids = session.info.pop(_NEW, None)
    if not ids or not has_app_context():
        return
    if jobs_run_inline():
        session.info.setdefault(_READY, []).extend(ids)
    else:
        dispatch(ids)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session):
    session.info.pop(_NEW, None)


def start_ready():
    """Run the inline deliveries committed during this request (called after the view has answered)."""
    ids = db.session.info.pop(_READY, None)
    if ids:
        dispatch(ids)


def retry_intervals():
    return list(current_app.config["INTEGRATION_WEBHOOK_RETRY_SECONDS"])


def job_id(delivery_id):
    return f"webhook-delivery-{delivery_id}"


def dispatch(delivery_ids):
    """Start the delivery job of each id (after commit). Returns how many were started."""
    from billing_desk.integrations.tasks import deliver_webhook

    intervals = retry_intervals()
    retry = Retry(max=len(intervals), interval=intervals) if intervals else None
    return sum(enqueue(deliver_webhook, delivery_id, queue="default", retry=retry, job_id=job_id(delivery_id))
               for delivery_id in delivery_ids)


def retry_delay(attempts):
    """The wait after the `attempts`-th failed try, or None when that was the last one."""
    intervals = retry_intervals()
    if attempts > len(intervals):
        return None
    return timedelta(seconds=intervals[attempts - 1])


def replay(delivery_id, *, actor_id):
    """A new delivery of the same body (same event id, so receivers can tell) to the same subscription."""
    original = db.session.get(WebhookDelivery, delivery_id)
    if original is None:
        return None
    row = WebhookDelivery(subscription_id=original.subscription_id, event=original.event,
                          event_id=original.event_id, body=original.body, replay_of_id=original.id)
    db.session.add(row)
    db.session.flush()
    audit.record("webhook_delivery.replayed", row, after={"replay_of": original.id, "event": row.event},
                 actor_id=actor_id)
    db.session.info.setdefault(_NEW, []).append(row.id)
    return row
