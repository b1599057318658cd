"""Subscriptions to outbound webhooks, and what the admin pages list. Services flush, never commit."""
from sqlalchemy import select

from billing_desk import audit
from billing_desk.extensions import db
from billing_desk.integrations import signing
from billing_desk.integrations.outbox import EVENTS
from billing_desk.models import ApiCall, ApiKey, WebhookDelivery, WebhookSubscription

SUBSCRIPTION_AUDIT_FIELDS = ("name", "url", "events", "active")
RECENT = 100


def create_subscription(*, name, url, events, actor_id):
    events = [name for name in EVENTS if name in set(events)]
    subscription = WebhookSubscription(name=name, url=url, events=" ".join(events), secret=signing.new_secret(),
                                       created_by_id=actor_id)
    db.session.add(subscription)
    db.session.flush()
    audit.record("webhook_subscription.created", subscription,
                 after=audit.snapshot(subscription, SUBSCRIPTION_AUDIT_FIELDS), actor_id=actor_id)
    return subscription


def set_active(subscription, active, *, actor_id):
    before = audit.snapshot(subscription, SUBSCRIPTION_AUDIT_FIELDS)
    subscription.active = active
    db.session.flush()
    audit.record("webhook_subscription.updated", subscription, before=before,
                 after=audit.snapshot(subscription, SUBSCRIPTION_AUDIT_FIELDS), actor_id=actor_id)


def keys():
    return db.session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.name, ApiKey.id)).all()


def subscriptions():
    return db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.name,
                                                                   WebhookSubscription.id)).all()


def recent_calls(key_id):
    return db.session.scalars(select(ApiCall).where(ApiCall.api_key_id == key_id)
                              .order_by(ApiCall.id.desc()).limit(RECENT)).all()


def recent_deliveries(subscription_id=None, status=None):
    query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(RECENT)
    if subscription_id is not None:
        query = query.where(WebhookDelivery.subscription_id == subscription_id)
    if status:
        query = query.where(WebhookDelivery.status == status)
    return db.session.scalars(query).all()
