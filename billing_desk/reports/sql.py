"""The statistics' SQL that differs between PostgreSQL (production) and SQLite (the embedded default and
half the test runs): local dates of UTC timestamps, period starts, seconds between two timestamps."""
from sqlalchemy import Date, case, extract, func, literal_column

from billing_desk.extensions import db
from billing_desk.timeutil import utc_offset_segments


def is_postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


def _sql_text(value):
    return literal_column("'" + str(value).replace("'", "''") + "'")


def _local_sql(column, period):
    """SQL for the naive-UTC `column` as the hospital's wall-clock time.

    PostgreSQL converts with its own zone data. SQLite has none: the zone's offsets over the period come
    from Python (one for a zone without daylight saving) and are added with a CASE over their start times.
    Values are inlined (the zone is a validated IANA name, the rest are numbers and timestamps): a bound
    parameter would differ between SELECT and GROUP BY and the database would refuse the grouping.
    """
    if is_postgresql():
        return func.timezone(_sql_text(period.zone.key), func.timezone(_sql_text("UTC"), column))
    segments = utc_offset_segments(period.start_at, period.end_at, period.zone)
    shifted = [func.datetime(column, _sql_text(f"{int(offset.total_seconds()):+d} seconds"))
               for _start, offset in segments]
    if len(shifted) == 1:
        return shifted[0]
    return case(*[(column >= _sql_text(f"{start:%Y-%m-%d %H:%M:%S.%f}"), expression)
                  for (start, _offset), expression in reversed(list(zip(segments, shifted)))][:-1],
                else_=shifted[0])


def period_start(column, period):
    """SQL for the first local day of the day/week (Monday)/month `column` falls in, typed as a date."""
    local = _local_sql(column, period)
    if is_postgresql():
        return func.date_trunc(_sql_text(period.unit), local).cast(Date)
    modifiers = {"day": (), "week": ("-6 days", "weekday 1"), "month": ("start of month",)}[period.unit]
    return func.date(local, *(_sql_text(modifier) for modifier in modifiers), type_=Date)


def seconds_between(start, end):
    if is_postgresql():
        return extract("epoch", end - start)
    # julianday is a float of days: rounding to milliseconds drops its representation noise (10 s, not 10.00003).
    return func.round((func.julianday(end) - func.julianday(start)) * 86400, 3)
