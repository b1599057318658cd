"""Cursor pagination (newest first, by id) and loading one record or answering 404 in the envelope.

A cursor is opaque to callers: the last id of the page, encoded, so a page never shifts when rows are added.
"""
import base64
import binascii
from datetime import date, datetime, time, timedelta

from billing_desk.api.envelope import ApiError
from billing_desk.extensions import db

CURSOR_PREFIX = "id:"


def encode_cursor(row_id):
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith(CURSOR_PREFIX) and text[len(CURSOR_PREFIX):].isdigit():
            return int(text[len(CURSOR_PREFIX):])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ApiError(400, "invalid_cursor", "That cursor is not one this API gave out.", "cursor")


def keyset_page(statement, model, query, out):
    """One page of `statement` as `out` models, newest first, after `query.cursor`; and the next cursor."""
    statement = statement.order_by(model.id.desc())
    if query.cursor:
        statement = statement.where(model.id < decode_cursor(query.cursor))
    rows = list(db.session.scalars(statement.limit(query.limit + 1)))
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return [out.model_validate(row) for row in rows], encode_cursor(rows[-1].id) if more else None


def load_or_404(model, row_id, what="record"):
    row = db.session.get(model, row_id)
    if row is None:
        raise ApiError(404, "not_found", f"There is no such {what}.")
    return row


def within_days(statement, column, first_day, last_day):
    """`statement` limited to `column` falling on `first_day` … `last_day` (UTC days; either may be None)."""
    if first_day is not None:
        statement = statement.where(column >= datetime.combine(first_day, time.min))
    if last_day is not None and last_day < date.max:
        statement = statement.where(column < datetime.combine(last_day + timedelta(days=1), time.min))
    return statement
