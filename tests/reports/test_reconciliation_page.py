"""The reconciliation page: a validated day in, `paystack.reconcile.reconcile_day`'s findings out, in words.

`reconcile_day` itself (and its Paystack calls) is tested with the Paystack package; here it is replaced by a
stand-in that records the day it was asked about.
"""
from datetime import date, timedelta

import pytest

from billing_desk.paystack import reconcile, sweep
from billing_desk.paystack.client import PaystackUnavailable
from billing_desk.timeutil import utcnow
from tests.paystack.webhook_fixtures import form_post


@pytest.fixture
def asked(monkeypatch):
    days = []

    def fake(day):
        days.append(day)
        report = sweep.SweepReport(verified=2, paid=1, errors=["request PRQ_x: Paystack said 500"])
        return reconcile.Reconciliation(day=day, sweep=report, ours=3, theirs=4,
                                        differences=["T123: Paystack 50000 NGN — desk: NOT RECORDED"])

    monkeypatch.setattr(reconcile, "reconcile_day", fake)
    return days


def test_form_defaults_to_yesterday(admin_client):
    page = admin_client.get("/reports/reconciliation").get_data(as_text=True)
    assert f'value="{utcnow().date() - timedelta(days=1)}"' in page
    assert "<label for=\"day\">Day (UTC)</label>" in page


def test_reconciling_a_day_shows_the_differences(admin_client, asked):
    response = form_post(admin_client, "/reports/reconciliation", {"day": "2026-03-04"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert asked == [date(2026, 3, 4)]
    for text in ("1 difference(s) to look at", "T123: Paystack 50000 NGN — desk: NOT RECORDED",
                 "request PRQ_x: Paystack said 500", "2 (1 booked now, 0 flagged for review)"):
        assert text in page


@pytest.mark.parametrize("day, message", [
    ("", "Pick the day to reconcile."),
    ("04/03/2026", "Not a valid date value"),
    ("1999-12-31", "from 01 Jan 2000 on"),
    ((utcnow().date() + timedelta(days=1)).isoformat(), "cannot be in the future"),
])
def test_bad_days_are_field_errors(admin_client, asked, day, message):
    response = form_post(admin_client, "/reports/reconciliation", {"day": day})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert asked == []


def test_paystack_down_is_a_clear_message(admin_client, monkeypatch):
    def down(day):
        raise PaystackUnavailable("connection refused")

    monkeypatch.setattr(reconcile, "reconcile_day", down)
    response = form_post(admin_client, "/reports/reconciliation", {"day": "2026-03-04"})
    assert response.status_code == 502
    assert "Paystack could not be reached, nothing was compared" in response.get_data(as_text=True)
