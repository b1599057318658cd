"""The hospital's day at its edges: 23:30 and 00:30 on the Lagos clock are different days everywhere.

Both moments are stored as UTC of the evening before (22:30 and 23:30), so a report that counted UTC days
would put both on the 4th.
"""
import csv
import io
from datetime import date, datetime

import pytest

from billing_desk.extensions import db
from billing_desk.models import Shift
from billing_desk.reports import stats
from billing_desk.reports.stats import Period
from billing_desk.timeutil import zone_named
from tests.reports.fixtures import ZONE, _invoice, _pay, local
from tests.factories import make_patient

LATE = local(2026, 3, 4, 23, 30)  # 22:30 UTC on the 4th
EARLY = local(2026, 3, 5, 0, 30)  # 23:30 UTC on the 4th


@pytest.fixture
def edge_payments(app, cashier):
    invoice = _invoice(make_patient(), "NGN", local(2026, 3, 1, 9), None, [(None, 900_000, 1)])
    _pay(invoice, 100_000, "cash", LATE, cashier)
    _pay(invoice, 200_000, "cash", EARLY, cashier)


def _collected(period):
    return {row["period"]: row["collected"] for row in stats.table("collected_over_time", period).rows}


def test_statistics_put_each_payment_on_its_local_day(edge_payments):
    days = _collected(Period(date(2026, 3, 4), date(2026, 3, 5), "day", zone=ZONE))
    assert days == {date(2026, 3, 4): 100_000, date(2026, 3, 5): 200_000}
    fifth = stats.summary(Period(date(2026, 3, 5), date(2026, 3, 5), "day", zone=ZONE))
    assert (fifth.rows[0]["payments"], fifth.rows[0]["collected"]) == (1, 200_000)


def test_a_zone_with_daylight_saving_moves_its_day_edges(app, cashier):
    """London's clocks go forward on 29 March 2026 at 01:00 UTC: 23:30 UTC is the 28th before and the
    30th's 00:30 after (the same SQL on SQLite adds each period's own offset)."""
    london = zone_named("Europe/London")
    invoice = _invoice(make_patient(), "NGN", datetime(2026, 3, 20), None, [(None, 900_000, 1)])
    _pay(invoice, 100_000, "cash", datetime(2026, 3, 28, 23, 30), cashier)  # 23:30 GMT, the 28th
    _pay(invoice, 200_000, "cash", datetime(2026, 3, 29, 23, 30), cashier)  # 00:30 BST, the 30th
    days = _collected(Period(date(2026, 3, 28), date(2026, 3, 30), "day", zone=london))
    assert days == {date(2026, 3, 28): 100_000, date(2026, 3, 29): 0, date(2026, 3, 30): 200_000}


def test_the_statistics_page_reads_its_days_in_the_hospitals_zone(admin_client, edge_payments):
    page = admin_client.get("/reports/statistics?range=custom&date_from=2026-03-05&date_to=2026-03-05&unit=day")
    assert page.status_code == 200
    assert "05 Mar 2026 – 05 Mar 2026" in page.get_data(as_text=True)
    download = admin_client.get("/reports/statistics/summary.csv?range=custom&date_from=2026-03-05&date_to=2026-03-05")
    (row,) = csv.DictReader(io.StringIO(download.get_data(as_text=True)))
    assert (row["currency"], row["payments"], row["collected_minor"]) == ("NGN", "1", "200000")


def test_the_shift_list_filters_by_local_opening_day(admin_client, cashier, admin):
    late = Shift(staff_id=cashier.id, opening_float_minor=0, opened_at=LATE, closed_at=LATE)
    early = Shift(staff_id=admin.id, opening_float_minor=0, opened_at=EARLY)
    db.session.add_all([late, early])
    db.session.commit()
    page = admin_client.get("/shifts/?opened_from=2026-03-05&opened_to=2026-03-05").get_data(as_text=True)
    assert f'href="/shifts/{early.id}"' in page and f'href="/shifts/{late.id}"' not in page
    assert "05 Mar 2026 00:30" in page  # shown on the hospital's clock
    assert page.count("Africa/Lagos (WAT, UTC+01:00)") == 1  # the zone is named once per page
