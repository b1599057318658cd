"""Small shared helpers: the API error type, Paystack-style timestamps, random codes, money text."""
import secrets
import string
from datetime import datetime, timezone
from decimal import Decimal

LOWER_ALNUM = string.ascii_lowercase + string.digits


class ApiError(Exception):
    """An error answered in Paystack's shape: `{"status": false, "message": ..., **extra}` with an HTTP status."""

    def __init__(self, http_status, message, **extra):
        super().__init__(message)
        self.http_status = http_status
        self.message = message
        self.extra = extra

    def body(self):
        return {"status": False, "message": self.message, **self.extra}


def validation_error(message, code="invalid_params"):
    """A 400 the way Paystack reports bad input."""
    return ApiError(400, message, type="validation_error", code=code)


def not_found(message):
    return ApiError(404, message)


def utcnow():
    return datetime.now(timezone.utc)


def iso(moment):
    """Paystack's timestamp format: `2026-11-20T09:16:39.000Z` (UTC, milliseconds)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_now():
    return iso(utcnow())


def parse_iso(text):
    """Parse an ISO date or datetime (a trailing Z allowed) to an aware UTC datetime; None if it is not one."""
    try:
        moment = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def random_code(length, alphabet=LOWER_ALNUM):
    return "".join(secrets.choice(alphabet) for _ in range(length))


def format_money(minor_units, currency):
    """`1250000, "NGN"` → `"NGN 12,500.00"` (every supported currency has 100 subunits)."""
    major = Decimal(int(minor_units)) / 100
    return f"{currency} {major:,.2f}"
