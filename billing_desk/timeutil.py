"""Time: stored as naive UTC, read and counted in the hospital's own time zone.

Every timestamp in the database is naive UTC (`utcnow()`), so SQLite and PostgreSQL behave the same and a
change of `TIMEZONE` never rewrites data. What people see and what "a day" means is the hospital's local
time (`TIMEZONE`, an IANA name such as `Africa/Lagos`): statistics, Z reports, shift filters,
reconciliation, aging, due dates and the invoice-number year all follow the hospital's calendar, so a
payment taken at 00:30 in Lagos belongs to that day, not to yesterday in UTC.

The helpers take the zone as an argument (`zone=None` means the running app's `TIMEZONE`), so domain code
can be tested with any zone and without an app.
"""
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Africa/Lagos"
SHOWN_FORMAT = "%d %b %Y %H:%M"


class UnknownTimeZone(ValueError):
    """`TIMEZONE` is not an IANA time-zone name this machine knows."""


def utcnow():
    """The current time in UTC, without tzinfo (the database convention of this app)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


@lru_cache(maxsize=32)
def zone_named(name):
    """The ZoneInfo for an IANA name such as 'Africa/Lagos'; UnknownTimeZone for anything else."""
    try:
        return ZoneInfo(str(name).strip())
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise UnknownTimeZone(
            f"TIMEZONE={name!r} is not a known IANA time zone (for example Africa/Lagos or Europe/London)"
        ) from error


def hospital_zone():
    """The running app's time zone (its `TIMEZONE` setting)."""
    from flask import current_app

    return zone_named(current_app.config["TIMEZONE"])


def _zone(zone):
    return zone if zone is not None else hospital_zone()


def to_local(moment, zone=None):
    """A stored naive-UTC timestamp as an aware local datetime (None stays None)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(_zone(zone))


def to_utc(local_moment, zone=None):
    """A local wall-clock time (naive, in `zone`, or aware) as naive UTC, the database convention."""
    if local_moment.tzinfo is None:
        local_moment = local_moment.replace(tzinfo=_zone(zone))
    return local_moment.astimezone(timezone.utc).replace(tzinfo=None)


def local_now(zone=None):
    return to_local(utcnow(), zone)


def local_today(zone=None):
    """Today's date on the hospital's calendar."""
    return local_now(zone).date()


def local_day_of(moment, zone=None):
    """The hospital's calendar day a stored naive-UTC timestamp falls on."""
    return to_local(moment, zone).date()


def at_local_time(day, clock, zone=None):
    """Naive UTC of the moment the hospital's clock shows `clock` (a time) on `day` (a date)."""
    return to_utc(datetime.combine(day, clock), zone)


def day_start_utc(day, zone=None):
    """Naive UTC of the local midnight that starts `day`."""
    return at_local_time(day, time.min, zone)


def days_span_utc(first, last, zone=None):
    """[start, end) in naive UTC covering the local days `first`..`last`, both included."""
    zone = _zone(zone)
    return day_start_utc(first, zone), day_start_utc(last + timedelta(days=1), zone)


def next_local_time(clock, zone=None, after=None):
    """Naive UTC of the next moment (strictly after `after`, default now) the local clock shows `clock`."""
    zone = _zone(zone)
    after = after or utcnow()
    day = local_day_of(after, zone)
    candidate = at_local_time(day, clock, zone)
    while candidate <= after:
        day += timedelta(days=1)
        candidate = at_local_time(day, clock, zone)
    return candidate


def utc_offset_segments(start, end, zone=None):
    """The zone's UTC offsets over [start, end) (naive UTC): [(from_utc, offset timedelta), …] in order.

    The first segment starts at `start`; a zone without daylight saving gives one segment. Used to turn
    UTC timestamps into local ones in SQL where the database has no time-zone data (SQLite).
    """
    zone = _zone(zone)
    segments = [(start, to_local(start, zone).utcoffset())]
    probe = start
    while probe < end:
        following = min(probe + timedelta(hours=6), end)
        offset = to_local(following, zone).utcoffset()
        if offset != segments[-1][1]:
            segments.append((_transition(probe, following, zone), offset))
        probe = following
    return segments


def _transition(before, after, zone):
    """The first naive-UTC minute in (before, after] whose offset differs from `before`'s."""
    offset = to_local(before, zone).utcoffset()
    while after - before > timedelta(minutes=1):
        middle = before + (after - before) / 2
        if to_local(middle, zone).utcoffset() == offset:
            before = middle
        else:
            after = middle
    return after.replace(second=0, microsecond=0)


def zone_caption(zone=None):
    """The zone in words for the one note a page carries, e.g. 'Africa/Lagos (WAT, UTC+01:00)'."""
    zone = _zone(zone)
    now = local_now(zone)
    offset = now.strftime("%z")
    return f"{zone.key} ({now.tzname()}, UTC{offset[:3]}:{offset[3:]})"


def shown(moment, fmt=SHOWN_FORMAT, zone=None):
    """A stored timestamp as the hospital's clock shows it (the `localtime` template filter); None → ''."""
    return "" if moment is None else to_local(moment, zone).strftime(fmt)
