"""API keys: made by an administrator, shown once, kept as a SHA-256, revoked or expired for good.

A key is 256 random bits, so a plain SHA-256 is enough to keep it (no slow hash needed: nothing to guess).
`write` includes `read`. Services flush, never commit.
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from billing_desk import audit
from billing_desk.api.envelope import ApiError
from billing_desk.extensions import db
from billing_desk.models import ApiKey
from billing_desk.models.integration import SCOPES
from billing_desk.timeutil import utcnow

KEY_PREFIX = "bdk_"
SHOWN_PREFIX_LENGTH = 12
MAX_NAME = 80
LAST_USE_RESOLUTION = timedelta(seconds=60)
KEY_AUDIT_FIELDS = ("name", "prefix", "scopes", "expires_at", "revoked_at")


class KeyRefused(ValueError):
    """The key cannot be made or changed; the message is fit to show an administrator."""


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    secret: str  # the only time the full key exists outside the caller's hands


def hash_key(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(*, name, scopes, expires_at, actor_id):
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise KeyRefused(f"Name the integration in 1 to {MAX_NAME} characters.")
    scopes = [scope for scope in SCOPES if scope in set(scopes)]
    if not scopes:
        raise KeyRefused("Give the key at least one scope.")
    if expires_at is not None and expires_at <= utcnow():
        raise KeyRefused("The expiry must be in the future.")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, prefix=secret[:SHOWN_PREFIX_LENGTH], key_hash=hash_key(secret), scopes=" ".join(scopes),
                 expires_at=expires_at, created_by_id=actor_id)
    db.session.add(key)
    db.session.flush()
    audit.record("api_key.created", key, after=audit.snapshot(key, KEY_AUDIT_FIELDS), actor_id=actor_id)
    return NewKey(key, secret)


def revoke_key(key_id, *, actor_id):
    key = db.session.get(ApiKey, key_id)
    if key is None:
        raise KeyRefused("There is no such key.")
    if key.revoked_at is not None:
        return key
    before = audit.snapshot(key, KEY_AUDIT_FIELDS)
    key.revoked_at = utcnow()
    db.session.flush()
    audit.record("api_key.revoked", key, before=before, after=audit.snapshot(key, KEY_AUDIT_FIELDS), actor_id=actor_id)
    return key


def state_of(key, now=None):
    """"active", "revoked" or "expired"."""
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def _bearer(header):
    scheme, _, token = (header or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def authenticate(authorization, needed_scope, now: datetime | None = None):
    """The key behind an `Authorization: Bearer …` header, allowed `needed_scope`, or an ApiError (401/403)."""
    secret = _bearer(authorization)
    if not secret:
        raise ApiError(401, "unauthenticated", "Send your API key as 'Authorization: Bearer <key>'.")
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(secret)))
    if key is None:
        raise ApiError(401, "invalid_api_key", "That API key is not known.")
    state = state_of(key, now)
    if state != "active":
        raise ApiError(401, f"api_key_{state}", f"That API key has been {state}.")
    if needed_scope not in key.scope_list and not (needed_scope == "read" and "write" in key.scope_list):
        raise ApiError(403, "insufficient_scope", f"This key does not have the '{needed_scope}' scope.")
    return key


def touch(key, now=None):
    """Note the key's last use (at most once a minute, so busy integrations do not write on every call)."""
    now = now or utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USE_RESOLUTION:
        key.last_used_at = now
