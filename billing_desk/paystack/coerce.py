"""Reading Paystack's payloads, whose types drift between endpoints (docs/paystack.md: "types drift")."""
from datetime import datetime, timezone


def as_int(value):
    """`5000`, `"5000"`, `5000.0` → 5000; None for anything that is not a whole number."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value) if isinstance(value, str) and "." in value else int(value)
    except (TypeError, ValueError):
        return None
    if isinstance(number, float):
        return int(number) if number.is_integer() else None
    return number


def parse_paid_at(value):
    """Paystack's ISO timestamp (`2026-11-20T09:16:39.000Z`) as naive UTC, the database convention."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def counted_amount(transaction, expected):
    """The part of a transaction that pays the invoice: `amount`, or `requested_amount` when the
    difference is fees the customer paid on top."""
    amount = as_int(transaction.get("amount"))
    requested = as_int(transaction.get("requested_amount"))
    if amount != expected and requested == expected and amount is not None and amount > requested:
        return requested
    return amount
