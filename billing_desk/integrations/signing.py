"""Signing deliveries: HMAC-SHA256 over "<timestamp>.<raw body>" with the subscription's secret.

The header reads `BillingDesk-Signature: t=<unix seconds>,v1=<hex digest>`. Receivers recompute the digest
over the timestamp and the raw body, compare in constant time, and refuse a timestamp more than
`TOLERANCE_SECONDS` old, so a captured delivery cannot be replayed later.
"""
import hashlib
import hmac
import secrets
import time

HEADER = "BillingDesk-Signature"
TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"


def new_secret():
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret, timestamp, body: bytes):
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def header_value(secret, body: bytes, now=None):
    timestamp = int(now if now is not None else time.time())
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret, header, body: bytes, now=None, tolerance=TOLERANCE_SECONDS):
    """What a receiver does: True only for a fresh, correctly signed body."""
    parts = dict(part.split("=", 1) for part in (header or "").split(",") if "=" in part)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), parts.get("v1", ""))
