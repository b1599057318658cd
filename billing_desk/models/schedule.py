"""What the scheduler keeps: one row per scheduled task (its lease and last run), and stored reconciliations."""
from datetime import date, datetime

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow


class ScheduledTask(db.Model):
    """A task of the schedule (`billing_desk.jobs.schedule.TASKS`) and its last run.

    `lease_holder`/`lease_until` are claimed in one conditional UPDATE before the task runs, so any number of
    scheduler or sweep processes run each task once per due time; a holder that dies loses the lease when
    `lease_until` passes.
    """

    __tablename__ = "scheduled_tasks"

    name: Mapped[str] = mapped_column(db.String(40), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    last_ok: Mapped[bool | None] = mapped_column()
    last_summary: Mapped[str | None] = mapped_column(db.Text)
    lease_holder: Mapped[str | None] = mapped_column(db.String(120))
    lease_until: Mapped[datetime | None] = mapped_column(db.DateTime)


class ReconciliationRun(db.Model):
    """One reconciliation of a day's card payments with Paystack's transactions, kept for its history.

    `differences` is a list of {"reference", "detail", "action"} — what differs and what to do about it.
    """

    __tablename__ = "reconciliation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(db.Date, index=True)
    started_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    # None while running, then "clean", "differences" or "failed" (Paystack could not be reached).
    result: Mapped[str | None] = mapped_column(db.String(20))
    started_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"))  # None: the scheduler
    ours: Mapped[int] = mapped_column(default=0)
    theirs: Mapped[int] = mapped_column(default=0)
    verified: Mapped[int] = mapped_column(default=0)
    booked: Mapped[int] = mapped_column(default=0)
    flagged: Mapped[int] = mapped_column(default=0)
    differences: Mapped[list] = mapped_column(JSON, default=list)
    errors: Mapped[list] = mapped_column(JSON, default=list)
