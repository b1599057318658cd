"""The delivery job: POST one signed delivery to its subscription's URL, and record what came back.

Delivery is at least once: a worker that dies mid-POST leaves the row "sending", and the sweep tries it
again (receivers tell repeats by the event id). A 2xx answer is delivered; anything else, or no answer,
is a failed try, retried with backoff until INTEGRATION_WEBHOOK_RETRY_SECONDS is used up.
"""
import logging

import requests
import urllib3
from flask import current_app
from sqlalchemy import and_, or_, update

from billing_desk.extensions import db
from billing_desk.integrations import signing
from billing_desk.integrations.outbox import DELIVERED, FAILED, QUEUED, SENDING, retry_delay
from billing_desk.jobs.context import job
from billing_desk.models import WebhookDelivery
from billing_desk.timeutil import utcnow

log = logging.getLogger(__name__)
MAX_KEPT_RESPONSE = 2_000
CLAIMABLE = or_(WebhookDelivery.status == QUEUED,
                and_(WebhookDelivery.status == FAILED, WebhookDelivery.next_attempt_at.is_not(None)))


class DeliveryFailed(Exception):
    """This try failed and another is planned (raised so RQ schedules it)."""


def _claim(delivery_id):
    result = db.session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery_id, CLAIMABLE)
        .values(status=SENDING, attempts=WebhookDelivery.attempts + 1, claimed_at=utcnow(), next_attempt_at=None,
                updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _post(row):
    body = row.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "BillingDesk-Webhooks/1",
        "BillingDesk-Event": row.event,
        "BillingDesk-Event-Id": row.event_id,
        "BillingDesk-Delivery": str(row.id),
        signing.HEADER: signing.header_value(row.subscription.secret, body),
    }
    # Streamed, and only the start of the answer read: a receiver cannot fill the worker's memory.
    with requests.post(row.subscription.url, data=body, headers=headers, allow_redirects=False, stream=True,
                       timeout=current_app.config["INTEGRATION_WEBHOOK_TIMEOUT_SECONDS"]) as response:
        start = response.raw.read(MAX_KEPT_RESPONSE, decode_content=True)
        return response.status_code, start.decode(response.encoding or "utf-8", errors="replace")


def _record(delivery_id, *, status_code=None, text=None, error=None):
    """Keep what the receiver said; returns True when another try is planned."""
    row = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    row.response_status = status_code
    row.response_body = text
    if status_code is not None and 200 <= status_code < 300:
        row.status, row.delivered_at, row.last_error = DELIVERED, utcnow(), None
        db.session.commit()
        return False
    delay = retry_delay(row.attempts)
    row.status = FAILED
    row.next_attempt_at = utcnow() + delay if delay else None
    reason = error or f"The receiver answered HTTP {status_code}."
    row.last_error = reason if delay else f"Gave up after {row.attempts} attempts. {reason}"
    db.session.commit()
    return delay is not None


@job
def deliver_webhook(delivery_id):
    """Send delivery `delivery_id` if it is waiting or due; returns its new status (None if not ours)."""
    if not _claim(delivery_id):
        return None
    row = db.session.get(WebhookDelivery, delivery_id)
    try:
        status_code, text = _post(row)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
        retry = _record(delivery_id, error=f"No answer: {type(error).__name__}: {error}")
    else:
        retry = _record(delivery_id, status_code=status_code, text=text)
    status = db.session.get(WebhookDelivery, delivery_id).status
    log.info("webhook delivery %s (%s) -> %s", delivery_id, row.event, status)
    if retry:
        raise DeliveryFailed(f"delivery {delivery_id} failed; retry planned")
    return status
