"""Cursor pagination (newest first, by id) and loading one record or answering 404 in the envelope.

The cursor is the last id of the page, so a page never shifts when rows are added; any cursor the schema
allows is meaningful ("older than this"), so none is refused.
"""
from datetime import date, timedelta

from sqlalchemy import select

from billing_desk.api.envelope import ApiError
from billing_desk.api.schemas import MAX_ID
from billing_desk.extensions import db
from billing_desk.timeutil import day_start_utc


def filtered_page(model, page, query, *, equal=(), days=None):
    """A `page` model of `model` rows, where each (column, value) in `equal` matches unless the value is None,
    and `days` = (column, first day, last day) bounds a time column."""
    statement = select(model)
    for column, value in equal:
        if value is not None:
            statement = statement.where(column == value)
    if days is not None:
        statement = within_days(statement, *days)
    return keyset_page(statement, model, query, page)


def keyset_page(statement, model, query, page):
    """One `page` of `statement`'s rows, newest first, after `query.cursor`."""
    statement = statement.order_by(model.id.desc())
    if query.cursor and int(query.cursor) <= MAX_ID:  # every id is below a larger cursor (and PostgreSQL's
        statement = statement.where(model.id < int(query.cursor))  # integer column cannot take one)
    rows = list(db.session.scalars(statement.limit(query.limit + 1)))
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return page.model_validate({"data": rows, "next_cursor": str(rows[-1].id) if more else None},
                               from_attributes=True)


def load_or_404(model, row_id, what="record"):
    row = db.session.get(model, row_id)
    if row is None:
        raise ApiError(404, "not_found", f"There is no such {what}.")
    return row


def _day_start(day):
    """The UTC start of the hospital's `day`, or None past the calendar's ends (no bound on that side)."""
    try:
        return day_start_utc(day)
    except OverflowError:
        return None


def within_days(statement, column, first_day, last_day):
    """`statement` limited to `column` falling on the hospital's days `first_day` … `last_day` (either may be
    None), as the desk's own reports count days (TIMEZONE)."""
    start = _day_start(first_day) if first_day is not None else None
    end = _day_start(last_day + timedelta(days=1)) if last_day is not None and last_day < date.max else None
    if start is not None:
        statement = statement.where(column >= start)
    if end is not None:
        statement = statement.where(column < end)
    return statement
