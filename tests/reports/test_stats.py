"""The statistics figures against the hand-counted March in `fixtures.py`, on SQLite and PostgreSQL alike."""
from datetime import date
from decimal import Decimal

import pytest

from billing_desk.reports import stats
from billing_desk.reports.stats import Period
from tests.reports.fixtures import MARCH, build_march


@pytest.fixture
def march(app, cashier, admin):
    build_march(cashier, admin)


def by_currency(table):
    return {row["currency"]: row for row in table.rows}


def test_summary_per_currency(march):
    rows = by_currency(stats.summary(MARCH))
    ngn = rows["NGN"]
    assert {k: ngn[k] for k in ("invoices", "invoiced", "payments", "collected", "refunds", "refunded",
                                "net_collected", "outstanding", "overdue", "voided")} == {
        "invoices": 3, "invoiced": 6_300_000,  # I1 + I2 + I4; void I3 and February's I5 left out
        "payments": 4, "collected": 3_100_000,  # 1,000,000 + 1,500,000 + 500,000 + 100,000 (31 Mar 23:59:59)
        "refunds": 1, "refunded": 200_000,  # the failed refund does not count
        "net_collected": 2_900_000,
        "outstanding": 3_600_000,  # I2 5,000,000 − 1,600,000 (April's payment is money received) + I4 200,000
        "overdue": 3_400_000,  # I2 only: I4 is due 1 May
        "voided": 1,
    }
    assert ngn["collection_rate"] == Decimal(2_500_000) / Decimal(6_300_000)  # I1 800,000 + I2 1,600,000 + I4 100,000
    ghs = rows["GHS"]
    assert (ghs["invoiced"], ghs["collected"], ghs["outstanding"], ghs["collection_rate"]) == (90_000, 90_000, 0, 1)
    assert all(isinstance(row[k], int) for row in rows.values() for k in ("invoiced", "collected", "outstanding"))


def test_overdue_is_judged_against_the_day_given(march):
    later = Period(MARCH.first, MARCH.last, "week", today=date(2026, 5, 2))
    assert by_currency(stats.summary(later))["NGN"]["overdue"] == 3_600_000


def test_collected_by_week_fills_empty_weeks(march):
    rows = [(r["period"], r["payments"], r["collected"]) for r in stats.table("collected_over_time", MARCH).rows
            if r["currency"] == "NGN"]
    assert rows == [
        (date(2026, 2, 23), 0, 0),  # 1 March 2026 is a Sunday: its week starts on Monday 23 February
        (date(2026, 3, 2), 3, 3_000_000),
        (date(2026, 3, 9), 0, 0),
        (date(2026, 3, 16), 0, 0),
        (date(2026, 3, 23), 0, 0),
        (date(2026, 3, 30), 1, 100_000),
    ]


@pytest.mark.parametrize("unit, expected", [
    ("day", {date(2026, 3, 2): 1_000_000, date(2026, 3, 4): 1_500_000, date(2026, 3, 6): 500_000,
             date(2026, 3, 31): 100_000}),
    ("month", {date(2026, 3, 1): 3_100_000}),
])
def test_collected_by_day_and_month(march, unit, expected):
    table = stats.table("collected_over_time", Period(MARCH.first, MARCH.last, unit))
    ngn = {r["period"]: r["collected"] for r in table.rows if r["currency"] == "NGN" and r["collected"]}
    assert ngn == expected
    assert len([r for r in table.rows if r["currency"] == "NGN"]) == (31 if unit == "day" else 1)


def test_collected_by_channel_cashier_and_terminal(march):
    def rows(table):
        return [(r["label"], r["currency"], r["payments"], r["collected"]) for r in table.rows]

    assert rows(stats.table("by_channel", MARCH)) == [
        ("Cash", "GHS", 1, 90_000),
        ("Bank transfer", "NGN", 1, 1_500_000), ("Cash", "NGN", 2, 1_100_000), ("Card (terminal)", "NGN", 1, 500_000),
    ]
    assert rows(stats.table("by_cashier", MARCH)) == [
        ("Ada Admin", "GHS", 1, 90_000), ("Cathy Cashier", "NGN", 3, 2_600_000), ("(no cashier)", "NGN", 1, 500_000),
    ]
    assert rows(stats.table("by_terminal", MARCH)) == [("Desk 1", "NGN", 1, 500_000)]


def test_revenue_by_service_and_department(march):
    services = [(r["service"], r["department"], r["currency"], r["quantity"], r["revenue"])
                for r in stats.table("top_services", MARCH).rows]
    assert services == [
        ("Lab test", "Laboratory", "GHS", 3, 90_000),
        ("X-ray", "Radiology", "NGN", 2, 5_000_000),
        ("Consultation", "Outpatients", "NGN", 1, 1_000_000),  # the void I3 and February's I5 left out
        ("(typed line, no service)", "—", "NGN", 1, 300_000),
    ]
    departments = [(r["department"], r["currency"], r["revenue"]) for r in stats.table("by_department", MARCH).rows]
    assert departments == [
        ("Laboratory", "GHS", 90_000),
        ("Radiology", "NGN", 5_000_000), ("Outpatients", "NGN", 1_000_000), ("(typed line, no service)", "NGN", 300_000),
    ]


def test_top_services_keeps_ten_per_currency(app):
    from tests.factories import make_patient, make_service
    from tests.reports.fixtures import _invoice

    patient = make_patient()
    lines = [(make_service(name=f"Service {n:02d}"), 1_000 * n, 1) for n in range(1, 13)]
    _invoice(patient, "NGN", MARCH.start_at, None, lines)
    names = [row["service"] for row in stats.table("top_services", MARCH).rows]
    assert names == [f"Service {n:02d}" for n in range(12, 2, -1)]


def test_terminal_pushes(march):
    (row,) = stats.terminal_pushes(MARCH).rows
    assert {k: row[k] for k in ("pushed", "paid", "declined", "timed_out", "abandoned", "open_or_other")} == {
        "pushed": 7, "paid": 3, "declined": 1, "timed_out": 2, "abandoned": 0, "open_or_other": 1,
    }
    assert row["success_rate"] == Decimal(3) / Decimal(7)
    # Median of 30, 60, 150 s; 95th percentile interpolated as percentile_cont: 60 + 0.9 × 90.
    assert row["median_seconds"] == pytest.approx(60)
    assert row["p95_seconds"] == pytest.approx(141)


@pytest.mark.parametrize("durations, median, p95", [
    ((10,), 10, 10),
    ((10, 20), 15, 19.5),
    ((40, 10, 30, 20), 25, 38.5),
])
def test_push_percentiles_interpolate(app, durations, median, p95):
    from datetime import datetime

    from tests.reports.fixtures import _invoice, _push
    from tests.factories import make_patient
    from billing_desk.extensions import db
    from billing_desk.models import Terminal

    terminal = Terminal(terminal_id="T-X", name="X")
    db.session.add(terminal)
    invoice = _invoice(make_patient(), "NGN", MARCH.start_at, None, [(None, 1_000, 1)])
    for n, seconds in enumerate(durations):
        _push(invoice, terminal, "paid", datetime(2026, 3, 5, 10, n), seconds)
    assert stats.push_to_paid_seconds(MARCH) == (pytest.approx(median), pytest.approx(p95))


def test_empty_range_has_no_rates(app):
    (row,) = stats.terminal_pushes(MARCH).rows
    assert row["pushed"] == 0 and row["success_rate"] is None and row["median_seconds"] is None
    assert stats.summary(MARCH).rows == []
