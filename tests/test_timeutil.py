"""The hospital's clock: local days over stored UTC, any IANA zone, an unknown one refused at start-up."""
from datetime import date, datetime, time, timedelta

import pytest

from billing_desk import create_app
from billing_desk.config import ConfigError
from billing_desk.timeutil import (
    at_local_time, days_span_utc, local_day_of, next_local_time, shown, to_local, to_utc,
    utc_offset_segments, zone_named, zone_caption,
)

LAGOS = zone_named("Africa/Lagos")  # UTC+1 all year
LONDON = zone_named("Europe/London")  # GMT/BST: the clocks go forward on 29 Mar 2026 at 01:00 UTC


@pytest.mark.parametrize("local_clock, day", [
    (datetime(2026, 3, 4, 23, 30), date(2026, 3, 4)),  # 22:30 UTC
    (datetime(2026, 3, 5, 0, 30), date(2026, 3, 5)),  # 23:30 UTC the day before: still the 5th in Lagos
])
def test_a_stored_time_falls_on_the_hospitals_day(local_clock, day):
    stored = to_utc(local_clock, LAGOS)
    assert stored == local_clock - timedelta(hours=1)
    assert local_day_of(stored, LAGOS) == day


def test_a_local_day_is_local_midnight_to_midnight_in_utc():
    assert days_span_utc(date(2026, 3, 5), date(2026, 3, 5), LAGOS) == (
        datetime(2026, 3, 4, 23, 0), datetime(2026, 3, 5, 23, 0))
    # The day London's clocks go forward has 23 hours.
    start, end = days_span_utc(date(2026, 3, 29), date(2026, 3, 29), LONDON)
    assert (start, end - start) == (datetime(2026, 3, 29, 0, 0), timedelta(hours=23))


def test_the_local_hour_of_a_day_and_the_next_one():
    assert at_local_time(date(2026, 6, 1), time(9, 0), LONDON) == datetime(2026, 6, 1, 8, 0)
    assert next_local_time(time(9, 0), LAGOS, after=datetime(2026, 6, 1, 7, 59)) == datetime(2026, 6, 1, 8, 0)
    assert next_local_time(time(9, 0), LAGOS, after=datetime(2026, 6, 1, 8, 0)) == datetime(2026, 6, 2, 8, 0)


def test_offsets_over_a_period_list_each_change_once():
    assert utc_offset_segments(datetime(2026, 1, 1), datetime(2027, 1, 1), LAGOS) == [
        (datetime(2026, 1, 1), timedelta(hours=1))]
    assert utc_offset_segments(datetime(2026, 3, 1), datetime(2026, 11, 1), LONDON) == [
        (datetime(2026, 3, 1), timedelta(0)),
        (datetime(2026, 3, 29, 1, 0), timedelta(hours=1)),
        (datetime(2026, 10, 25, 1, 0), timedelta(0)),
    ]


def test_times_are_shown_on_the_hospitals_clock_and_the_zone_is_named():
    assert shown(datetime(2026, 3, 4, 23, 30), zone=LAGOS) == "05 Mar 2026 00:30"
    assert shown(None, zone=LAGOS) == ""
    assert to_local(datetime(2026, 3, 4, 23, 30), LAGOS).utcoffset() == timedelta(hours=1)
    assert zone_caption(LAGOS) == "Africa/Lagos (WAT, UTC+01:00)"


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../../etc/passwd", "Lagos"])
def test_an_unknown_time_zone_is_refused_at_start_up(name):
    with pytest.raises(ConfigError, match="TIMEZONE"):
        create_app({"TIMEZONE": name})


def test_any_iana_zone_is_accepted(app_config):
    app = create_app({**app_config, "TIMEZONE": "America/New_York"})
    with app.app_context():
        assert zone_caption().startswith("America/New_York (E")
