"""The one schedule of background work: what runs, how often or at which local time, and when it is late.

RQ 3.0 has a cron (`rq cron`), but it does not fit: it keeps its schedule in the process (two copies enqueue
everything twice), runs on UTC, dies on a Redis error and needs Redis — while the embedded default runs
without it. So the schedule is this table, and `jobs.scheduler` runs it from `flask scheduler`, claiming each
task in the database so any number of copies do each run once.
"""
from dataclasses import dataclass
from datetime import time, timedelta

from flask import current_app

from billing_desk.jobs import tasks
from billing_desk.timeutil import at_local_time, local_day_of

DAILY_GRACE = timedelta(hours=1)  # a daily task not started this long after its time is late


@dataclass(frozen=True)
class Task:
    name: str
    label: str
    run: object  # () -> summary in words; commits its own work
    every: str | None = None  # config key: seconds between runs
    daily_at: str | None = None  # config key: "HH:MM" in the hospital's TIMEZONE
    lease_seconds: int = 600  # longer than one run can take; another process takes over after it

    def stale_before(self, now):
        """A task whose last run started before this moment (naive UTC) is due."""
        if self.every:
            return now - timedelta(seconds=current_app.config[self.every]) + timedelta(seconds=1)
        return last_local_time(current_app.config[self.daily_at], now)

    def late_since(self, last_started_at, now):
        """When the task became late (naive UTC), or None while it is on time."""
        if self.every:
            if last_started_at is None:  # never run: no scheduler has started yet
                return now
            late = last_started_at + 2 * timedelta(seconds=current_app.config[self.every])
            return late if late <= now else None
        slot = last_local_time(current_app.config[self.daily_at], now)
        if last_started_at is not None and last_started_at >= slot:
            return None
        return slot + DAILY_GRACE if now >= slot + DAILY_GRACE else None

    def describe_timing(self):
        if self.every:
            return f"every {current_app.config[self.every]} s"
        return f"daily at {current_app.config[self.daily_at]} ({current_app.config['TIMEZONE']})"


def last_local_time(hh_mm, now):
    """The latest moment at or before `now` when the hospital's clocks showed `hh_mm`, as naive UTC."""
    clock = time(*(int(part) for part in hh_mm.split(":")))
    day = local_day_of(now)
    moment = at_local_time(day, clock)
    return moment if moment <= now else at_local_time(day - timedelta(days=1), clock)


TASKS = (
    Task("sweep", "Sweep: lost and orphaned jobs, pending and stale Paystack requests, terminal pushes, lost emails",
         tasks.sweep, every="SWEEP_EVERY_SECONDS", lease_seconds=300),
    Task("reminders", "Payment reminders to patients", tasks.reminders, daily_at="REMINDER_LOCAL_TIME"),
    Task("reconciliation", "Reconciliation of yesterday's card payments with Paystack", tasks.reconcile_yesterday,
         daily_at="RECONCILIATION_LOCAL_TIME", lease_seconds=1800),
)
TASKS_BY_NAME = {task.name: task for task in TASKS}
