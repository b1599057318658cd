"""Cursor pagination (newest first, by id) and loading one record or answering 404 in the envelope.

The cursor is the last id of the page, so a page never shifts when rows are added; any cursor the schema
allows is meaningful ("older than this"), so none is refused.
"""
from datetime import date, datetime, time, timedelta

from billing_desk.api.envelope import ApiError
from billing_desk.extensions import db


def keyset_page(statement, model, query, out):
    """One page of `statement` as `out` models, newest first, after `query.cursor`; and the next cursor."""
    statement = statement.order_by(model.id.desc())
    if query.cursor:
        statement = statement.where(model.id < int(query.cursor))
    rows = list(db.session.scalars(statement.limit(query.limit + 1)))
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return [out.model_validate(row) for row in rows], str(rows[-1].id) if more else None


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
