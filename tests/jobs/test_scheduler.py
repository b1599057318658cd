"""The one schedule: each task runs once per due time however many schedulers run, daily tasks at the
hospital's local time, and the admin home and /readyz show when each last ran and which is late."""
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from billing_desk.extensions import db
from billing_desk.jobs import scheduler
from billing_desk.jobs.cli import sweep_command
from billing_desk.jobs.schedule import TASKS_BY_NAME, last_local_time
from billing_desk.models import ScheduledTask
from billing_desk.timeutil import utcnow

SWEEP, REMINDERS = TASKS_BY_NAME["sweep"], TASKS_BY_NAME["reminders"]


class Counting:
    """A task body that counts its runs (and can take its time, or fail)."""

    def __init__(self, seconds=0.0, error=None):
        self.runs, self.seconds, self.error = 0, seconds, error

    def __call__(self):
        self.runs += 1
        time.sleep(self.seconds)
        if self.error:
            raise self.error
        return f"run {self.runs}"


@pytest.mark.parametrize("now, expected", [
    (datetime(2026, 12, 1, 7, 59), datetime(2026, 11, 30, 8, 0)),  # 08:59 in Lagos: yesterday's 09:00
    (datetime(2026, 12, 1, 8, 0), datetime(2026, 12, 1, 8, 0)),  # 09:00 in Lagos is 08:00 UTC
    (datetime(2026, 12, 1, 23, 30), datetime(2026, 12, 1, 8, 0)),  # 00:30 local on 2 Dec: 1 Dec's 09:00
])
def test_the_daily_time_is_the_hospitals(app, now, expected):
    assert app.config["TIMEZONE"] == "Africa/Lagos"
    assert last_local_time("09:00", now) == expected


def test_reminders_are_due_once_a_day_at_nine_local(app):
    scheduler.ensure_rows()
    db.session.get(ScheduledTask, "reminders").last_started_at = datetime(2026, 11, 30, 8, 0)
    db.session.commit()
    assert not scheduler.claim(REMINDERS, datetime(2026, 12, 1, 7, 59))
    assert scheduler.claim(REMINDERS, datetime(2026, 12, 1, 8, 0, 5))


def test_a_task_runs_once_per_due_time_and_again_when_forced(app):
    body = Counting()
    task = replace(SWEEP, run=body)
    assert scheduler.run_task(task) == "run 1"
    assert scheduler.run_task(task) is None  # not due again for SWEEP_EVERY_SECONDS
    assert scheduler.run_task(task, force=True) == "run 2"
    row = db.session.get(ScheduledTask, "sweep")
    assert (row.last_ok, row.last_summary, row.lease_holder) == (True, "run 2", None)


def test_two_schedulers_at_once_run_a_task_once(app):
    body = Counting(seconds=0.5)
    task = replace(SWEEP, run=body)
    scheduler.ensure_rows()
    results = []

    def one_scheduler():
        with app.app_context():
            results.append(scheduler.run_task(task, force=True))
            db.session.remove()

    threads = [threading.Thread(target=one_scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert body.runs == 1 and sorted(map(str, results)) == ["None", "run 1"]


def test_a_failing_task_is_recorded_and_shown_late(app, admin_client):
    scheduler.run_task(replace(SWEEP, run=Counting(error=RuntimeError("Paystack said no"))))
    row = db.session.get(ScheduledTask, "sweep")
    assert row.last_ok is False and row.last_summary == "failed: RuntimeError: Paystack said no"
    statuses = {status.task.name: status for status in scheduler.task_statuses()}
    assert statuses["sweep"].late_since is not None
    assert "failed: RuntimeError: Paystack said no" in admin_client.get("/admin/").get_data(as_text=True)


def test_admin_home_flags_a_task_that_has_not_run_on_time(app, admin_client):
    assert "Never" in admin_client.get("/admin/").get_data(as_text=True)  # no scheduler has started
    scheduler.run_task(replace(SWEEP, run=Counting()))
    statuses = {status.task.name: status for status in scheduler.task_statuses()}
    assert statuses["sweep"].late_since is None
    later = utcnow() + timedelta(seconds=2 * app.config["SWEEP_EVERY_SECONDS"] + 1)
    statuses = {status.task.name: status for status in scheduler.task_statuses(later)}
    assert statuses["sweep"].late_since is not None
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "Scheduled tasks" in page and "On time" in page and "daily at 09:00 (Africa/Lagos)" in page


def test_flask_sweep_runs_the_real_sweep_and_readyz_says_when(app, client):
    assert client.get("/readyz").get_json()["sweep_last_ran"] is None
    result = app.test_cli_runner().invoke(sweep_command, [])
    assert result.exit_code == 0, result.output
    assert "0 orphaned jobs requeued" in result.output and "requeued 0 events" in result.output
    ran = client.get("/readyz").get_json()["sweep_last_ran"]
    assert ran is not None and ran.endswith("Z")


def test_flask_sweep_waits_for_a_sweep_in_progress(app):
    scheduler.ensure_rows()
    row = db.session.get(ScheduledTask, "sweep")
    row.lease_holder, row.lease_until = "another-host:1", utcnow() + timedelta(minutes=5)
    db.session.commit()
    result = app.test_cli_runner().invoke(sweep_command, [])
    assert "another process is sweeping right now" in result.output
