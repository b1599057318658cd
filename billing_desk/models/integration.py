"""The hospital's other systems: API keys they call in with, and the webhook deliveries sent out to them."""
from datetime import datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow

SCOPES = ("read", "write")
DELIVERY_STATUSES = ("queued", "sending", "delivered", "failed")


class ApiKey(db.Model):
    """One integration's key. Only the SHA-256 of the secret is kept: the key itself is shown once.

    `prefix` (the key's first characters) is stored in clear so staff can tell keys apart on the admin page.
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(80))
    prefix: Mapped[str] = mapped_column(db.String(16))
    key_hash: Mapped[str] = mapped_column(db.String(64), unique=True)
    scopes: Mapped[str] = mapped_column(db.String(40))  # space-separated, from SCOPES
    expires_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    created_by = relationship("Staff")

    @property
    def scope_list(self):
        return self.scopes.split()

    def __repr__(self):
        return f"<ApiKey {self.prefix} {self.name}>"


class ApiCall(db.Model):
    """One request made with an API key: the audit of every call, with the request id the caller was given."""

    __tablename__ = "api_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(db.ForeignKey("api_keys.id"), index=True)
    request_id: Mapped[str] = mapped_column(db.String(64))
    method: Mapped[str] = mapped_column(db.String(10))
    path: Mapped[str] = mapped_column(db.String(255))
    status_code: Mapped[int] = mapped_column()
    error_code: Mapped[str | None] = mapped_column(db.String(40))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)

    api_key = relationship("ApiKey")


class IdempotentResponse(db.Model):
    """The first successful answer to a POST with an `Idempotency-Key`, replayed for 24 hours.

    Written in the same transaction as the work it describes, so a request either did its work and left
    this row, or did neither; a concurrent twin waits on the unique key and then replays.
    """

    __tablename__ = "api_idempotency"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(db.ForeignKey("api_keys.id"))
    key: Mapped[str] = mapped_column(db.String(255))
    request_hash: Mapped[str] = mapped_column(db.String(64))
    status_code: Mapped[int] = mapped_column()
    body: Mapped[str] = mapped_column(db.Text)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)

    __table_args__ = (UniqueConstraint("api_key_id", "key", name="uq_api_idempotency_key"),)


class WebhookSubscription(db.Model):
    """An integration's URL and the events it wants; `secret` signs every delivery to it."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(80))
    url: Mapped[str] = mapped_column(db.String(500))
    secret: Mapped[str] = mapped_column(db.String(80))
    events: Mapped[str] = mapped_column(db.String(255))  # space-separated event names
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    @property
    def event_list(self):
        return self.events.split()


class WebhookDelivery(db.Model):
    """One event for one subscription: an outbox row written in the transaction that caused the event.

    `body` is the exact JSON sent (and signed); a replay is a new row with the same body and event id.
    """

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(db.ForeignKey("webhook_subscriptions.id"), index=True)
    event: Mapped[str] = mapped_column(db.String(40), index=True)
    event_id: Mapped[str] = mapped_column(db.String(40), index=True)
    body: Mapped[str] = mapped_column(db.Text)
    status: Mapped[str] = mapped_column(db.String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(db.DateTime, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    response_status: Mapped[int | None] = mapped_column()
    response_body: Mapped[str | None] = mapped_column(db.Text)
    last_error: Mapped[str | None] = mapped_column(db.Text)
    delivered_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    replay_of_id: Mapped[int | None] = mapped_column(db.ForeignKey("webhook_deliveries.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)

    subscription = relationship("WebhookSubscription")

    __table_args__ = (CheckConstraint(f"status IN {DELIVERY_STATUSES!r}", name="status"),)
