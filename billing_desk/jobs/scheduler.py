"""Run the schedule (`jobs.schedule.TASKS`): `flask scheduler` loops, `flask sweep` runs the sweep once.

Each run is claimed first with one conditional UPDATE of the task's row (not leased, and due), committed
before the work starts, so several scheduler or sweep processes — on one host or many, with or without
Redis — never run a task twice at once or twice for one due time. A process that dies mid-run holds the lease
only until `lease_until`. A failing task is recorded (and shown late on the admin home), never fatal.
"""
import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from billing_desk.extensions import db
from billing_desk.jobs.schedule import TASKS
from billing_desk.models import ScheduledTask
from billing_desk.timeutil import utcnow

log = logging.getLogger(__name__)

HOLDER = f"{socket.gethostname()}:{os.getpid()}"
TICK_SECONDS = 5


def ensure_rows():
    """One row per task of the schedule (added on first start; a second process adding it too is fine)."""
    known = set(db.session.scalars(select(ScheduledTask.name)))
    missing = [task.name for task in TASKS if task.name not in known]
    if not missing:
        db.session.rollback()
        return
    db.session.add_all(ScheduledTask(name=name) for name in missing)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def claim(task, now, *, force=False):
    """Take the task's lease if it is free and the task is due (`force`: due or not). Commits; True if taken."""
    stale_before = now + timedelta(seconds=1) if force else task.stale_before(now)
    taken = db.session.execute(
        update(ScheduledTask)
        .where(ScheduledTask.name == task.name,
               or_(ScheduledTask.lease_until.is_(None), ScheduledTask.lease_until < now),
               or_(ScheduledTask.last_started_at.is_(None), ScheduledTask.last_started_at < stale_before))
        .values(lease_holder=HOLDER, lease_until=now + timedelta(seconds=task.lease_seconds), last_started_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.commit()
    return taken


def run_task(task, *, force=False):
    """Run one task if this process can claim it; returns its summary, or None when it was not ours to run."""
    ensure_rows()
    if not claim(task, utcnow(), force=force):
        return None
    try:
        summary, ok = task.run(), True
    except Exception as error:  # recorded and shown; the next due time tries again
        db.session.rollback()
        log.exception("scheduled task %s failed", task.name)
        summary, ok = f"failed: {type(error).__name__}: {error}", False
    db.session.execute(
        update(ScheduledTask)
        .where(ScheduledTask.name == task.name, ScheduledTask.lease_holder == HOLDER)
        .values(last_finished_at=utcnow(), last_ok=ok, last_summary=str(summary)[:2000], lease_holder=None,
                lease_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    log.info("scheduled task %s: %s", task.name, summary)
    return summary


def run_due():
    for task in TASKS:
        run_task(task)


def run_forever(stop=None, tick_seconds=TICK_SECONDS):
    """The scheduler loop: every few seconds, run whatever is due. A database outage is logged once."""
    stop = stop or threading.Event()
    database_down = False
    while not stop.is_set():
        try:
            run_due()
            if database_down:
                log.warning("scheduler: the database answers again")
            database_down = False
        except SQLAlchemyError as error:
            db.session.rollback()
            if not database_down:
                log.warning("scheduler: the database is unavailable (%s); retrying", type(error).__name__)
            database_down = True
        db.session.remove()
        stop.wait(tick_seconds)


@dataclass
class TaskStatus:
    task: object
    row: object
    late_since: object
    running: bool


def task_statuses(now=None):
    """Every task with its last run, and whether it is late (never run counts as late), for the admin home."""
    now = now or utcnow()
    rows = {row.name: row for row in db.session.scalars(select(ScheduledTask))}
    statuses = []
    for task in TASKS:
        row = rows.get(task.name)
        running = bool(row and row.lease_until and row.lease_until >= now)
        late = None if running else task.late_since(row.last_started_at if row else None, now)
        if late is None and row is not None and row.last_ok is False and not running:
            late = row.last_finished_at
        statuses.append(TaskStatus(task=task, row=row, late_since=late, running=running))
    return statuses


def sweep_last_ran():
    """When the sweep last finished, as ISO 8601 UTC (None: never, or the database does not answer). For
    /readyz, which must answer whatever is down."""
    try:
        finished = db.session.scalar(select(ScheduledTask.last_finished_at).where(ScheduledTask.name == "sweep"))
    except SQLAlchemyError:
        db.session.rollback()
        return None
    return finished.isoformat(timespec="seconds") + "Z" if finished else None
