"""The statistics page and its CSV downloads: admins only, validated ranges, CSV read back with `csv`."""
import csv
import io

import pytest

from billing_desk.reports.tables import escape_cell
from tests.reports.fixtures import TODAY, build_march

MARCH_ARGS = {"range": "custom", "date_from": "2026-03-01", "date_to": "2026-03-31", "unit": "week"}


@pytest.fixture(autouse=True)
def tenth_of_april(monkeypatch):
    """Presets and the future-date rule are judged on 10 April 2026, whatever the machine's clock says."""
    monkeypatch.setattr("billing_desk.reports.forms.local_today", lambda zone=None: TODAY)


@pytest.fixture
def march(app, cashier, admin):
    build_march(cashier, admin)


def read_csv(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_page_shows_the_figures_and_an_accessible_chart(admin_client, march):
    response = admin_client.get("/reports/statistics", query_string=MARCH_ARGS)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in ("₦63,000.00", "₦31,000.00", "₦2,000.00", "₦36,000.00", "39.7 %", "42.9 %", "1 min 0 s",
                 "2 min 21 s", "X-ray", "Radiology", "Desk 1", "Bank transfer", "(no cashier)"):
        assert text in page, text
    assert 'role="img"' in page and "<title id=\"chart-NGN-title\">NGN collected by week</title>" in page
    assert "02 Mar 2026: ₦30,000.00 (3 payments)" in page
    assert page.count("as CSV</a>") == 8


def test_default_range_is_the_last_30_days(admin_client, march):
    response = admin_client.get("/reports/statistics")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "12 Mar 2026 – 10 Apr 2026" in page
    assert "GH₵900.00" in page  # G1 was paid on 12 March, the first day of the range


def test_summary_csv_has_minor_units_and_currency(admin_client, march):
    rows = read_csv(admin_client.get("/reports/statistics/summary.csv", query_string=MARCH_ARGS))
    assert list(rows[0]) == [
        "currency", "invoices", "invoiced_minor", "invoiced_major", "payments", "collected_minor",
        "collected_major", "refunds", "refunded_minor", "refunded_major", "net_collected_minor", "net_collected_major",
        "outstanding_minor", "outstanding_major", "overdue_minor", "overdue_major", "voided",
        "collection_rate_percent",
    ]
    ngn = next(row for row in rows if row["currency"] == "NGN")
    assert (ngn["invoiced_minor"], ngn["invoiced_major"], ngn["collected_minor"], ngn["refunded_minor"]) == (
        "6300000", "63000.00", "3100000", "200000")
    # The page is judged "today" = 10 April (I4 due 1 May is not overdue yet).
    assert (ngn["outstanding_minor"], ngn["overdue_minor"], ngn["collection_rate_percent"]) == (
        "3600000", "3400000", "39.7")


def test_csv_downloads_follow_the_same_range(admin_client, march):
    one_day = {"range": "custom", "date_from": "2026-03-04", "date_to": "2026-03-04"}
    rows = read_csv(admin_client.get("/reports/statistics/by_channel.csv", query_string=one_day))
    assert [(r["label"], r["currency"], r["payments"], r["collected_minor"]) for r in rows] == [
        ("Bank transfer", "NGN", "1", "1500000")]
    response = admin_client.get("/reports/statistics/collected_over_time.csv", query_string=one_day)
    assert 'filename="collected_over_time-2026-03-04-2026-03-04.csv"' in response.headers["Content-Disposition"]
    assert [(r["period"], r["collected_minor"]) for r in read_csv(response)] == [("2026-03-04", "1500000")]


@pytest.mark.parametrize("name", ["summary", "collected_over_time", "terminal_pushes", "by_channel", "by_cashier",
                                  "by_terminal", "top_services", "by_department"])
def test_every_table_downloads(admin_client, march, name):
    rows = read_csv(admin_client.get(f"/reports/statistics/{name}.csv", query_string=MARCH_ARGS))
    assert rows


def test_terminal_pushes_csv_names_each_unit_once(admin_client, march):
    response = admin_client.get("/reports/statistics/terminal_pushes.csv", query_string=MARCH_ARGS)
    header = response.get_data(as_text=True).splitlines()[0].split(",")
    assert "median_seconds" in header and "p95_seconds" in header
    assert not [name for name in header if name.endswith("_seconds_seconds")]
    assert [(row["median_seconds"], row["p95_seconds"]) for row in read_csv(response)] == [("60.0", "141.0")]


def test_csv_cells_that_spreadsheets_would_run_are_escaped(admin_client, app):
    from datetime import datetime

    from tests.factories import make_staff
    from tests.reports.fixtures import _invoice, _pay
    from tests.factories import make_patient

    sneaky = make_staff(full_name="=HYPERLINK(\"http://evil.example\",\"x\")")
    invoice = _invoice(make_patient(), "NGN", datetime(2026, 3, 3), None, [(None, 10_000, 1)])
    _pay(invoice, 10_000, "cash", datetime(2026, 3, 3, 12), sneaky)
    rows = read_csv(admin_client.get("/reports/statistics/by_cashier.csv", query_string=MARCH_ARGS))
    assert rows[0]["label"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert rows[0]["collected_minor"] == "10000"


@pytest.mark.parametrize("value, expected", [
    ("=1+2", "'=1+2"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Cash", "Cash"), ("a=b", "a=b"), (-500, -500), (1500, 1500),
])
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


@pytest.mark.parametrize("args, message", [
    ({"range": "custom", "date_from": "2026-03-10", "date_to": "2026-03-01"}, "on or after the first day"),
    ({"range": "custom", "date_to": "2026-03-01"}, "Enter the first day of the range"),
    ({"range": "custom", "date_from": "2026-03-01"}, "Enter the last day of the range"),
    ({"range": "custom", "date_from": "1999-12-31", "date_to": "2026-03-01"}, "from 01 Jan 2000 on"),
    ({"range": "custom", "date_from": "2026-04-01", "date_to": "2026-04-11"}, "cannot be in the future"),
    ({"range": "custom", "date_from": "2020-01-01", "date_to": "2026-04-10"}, "at most 1098 days"),
    ({"range": "custom", "date_from": "yesterday", "date_to": "2026-04-10"}, "Enter the date as YYYY-MM-DD"),
    ({"range": "custom", "date_from": "99999-01-01", "date_to": "2026-04-10"}, "Enter the date as YYYY-MM-DD"),
    ({"range": "custom", "date_from": "2026-01-01", "date_to": "2026-04-10", "unit": "day"}, "Daily bars need"),
    ({"range": "forever"}, "Pick a period from the list."),
    ({"unit": "hour"}, "Pick days, weeks or months."),
])
def test_bad_ranges_are_field_errors(admin_client, args, message):
    response = admin_client.get("/reports/statistics", query_string=args)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    csv_response = admin_client.get("/reports/statistics/summary.csv", query_string=args)
    assert csv_response.status_code == 422
    assert message in csv_response.get_data(as_text=True)


@pytest.mark.parametrize("preset, first", [("today", "10 Apr 2026"), ("7d", "04 Apr 2026"),
                                           ("30d", "12 Mar 2026"), ("month", "01 Apr 2026")])
def test_presets(admin_client, preset, first):
    page = admin_client.get("/reports/statistics", query_string={"range": preset}).get_data(as_text=True)
    assert f"{first} – 10 Apr 2026" in page


def test_unknown_table_is_404(admin_client):
    assert admin_client.get("/reports/statistics/passwords.csv").status_code == 404


@pytest.mark.parametrize("method, url", [
    ("get", "/reports/statistics"), ("get", "/reports/statistics/summary.csv"), ("get", "/reports/jobs"),
    ("get", "/reports/reconciliation"), ("post", "/reports/jobs/default/abc/retry"),
])
def test_cashiers_are_refused(cashier_client, method, url):
    if method == "post":
        response = cashier_client.post_form(url)
    else:
        response = cashier_client.get(url)
    assert response.status_code == 403


def test_signed_out_goes_to_login(client):
    response = client.get("/reports/statistics")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_statistics_in_navigation_for_admins(admin_client):
    assert 'href="/reports/statistics"' in admin_client.get("/patients/").get_data(as_text=True)


def test_statistics_not_in_navigation_for_cashiers(cashier_client):
    page = cashier_client.get("/patients/").get_data(as_text=True)
    assert 'href="/patients/"' in page and 'href="/reports/statistics"' not in page
