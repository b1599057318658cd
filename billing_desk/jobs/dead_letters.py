"""Dead letters: webhook events and emails that failed too often to be tried again automatically.

A webhook event whose job fails `WEBHOOK_MAX_ATTEMPTS` times is closed with the outcome `dead_letter` (its
last error kept), so neither the sweep nor a repeat delivery queues it again; an email gives up after
`EMAIL_MAX_ATTEMPTS` (`notifications.outbox.retry_delay`). Both are listed with their error on their admin
page (webhook events, email log), counted on the admin home, and retried only by an administrator's
audited "Re-process" or "Resend".
"""
from flask import current_app
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import EmailOutbox, WebhookEvent

DEAD_LETTER = "dead_letter"
SHOWN = 50


def webhook_attempts_exhausted(attempts):
    return attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]


GAVE_UP_EMAIL = (EmailOutbox.status == "failed") & EmailOutbox.next_attempt_at.is_(None)


def dead_webhook_events(limit=SHOWN):
    return db.session.scalars(
        select(WebhookEvent).where(WebhookEvent.outcome == DEAD_LETTER).order_by(WebhookEvent.id.desc()).limit(limit)
    ).all()


def counts():
    """{"webhook_events": n, "emails": m}: what waits for an administrator's hand."""
    return {
        "webhook_events": db.session.scalar(select(func.count()).where(WebhookEvent.outcome == DEAD_LETTER)),
        "emails": db.session.scalar(select(func.count()).select_from(EmailOutbox).where(GAVE_UP_EMAIL)),
    }
