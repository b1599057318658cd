"""The notification sweep, run from `flask sweep`: what makes a lost job or a Redis outage cost minutes.

1. Rows left "sending" by a job that died mid-send are marked failed (never re-sent automatically).
2. Rows waiting without a live job, and failed rows whose retry is due, get their job started again.
3. Due payment reminders are queued and started.
"""
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.jobs import job_is_live, jobs_run_inline
from billing_desk.models import EmailOutbox
from billing_desk.notifications import outbox, reminders, tasks
from billing_desk.notifications.settings import setting
from billing_desk.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass
class NotificationSweepReport:
    interrupted: int = 0
    requeued: int = 0
    reminders: int = 0
    errors: list = field(default_factory=list)

    def __str__(self):
        return (f"{self.interrupted} interrupted sends marked failed, {self.requeued} emails requeued, "
                f"{self.reminders} reminders queued, {len(self.errors)} errors")


def run_notification_sweep(now=None):
    """One pass of the three steps; commits as it goes and returns a NotificationSweepReport."""
    now = now or utcnow()
    report = recover_emails(now)
    report.reminders = send_due_reminders(now)
    log.info("notification sweep: %s", report)
    return report


def recover_emails(now=None):
    """Steps 1 and 2 (the scheduler runs them every sweep; reminders once a day at their hour)."""
    now = now or utcnow()
    report = NotificationSweepReport()
    close_interrupted_sends(report, now)
    requeue_lost_emails(report, now)
    return report


def send_due_reminders(now=None):
    """Step 3: queue the reminders that are due and start their jobs; returns how many were queued."""
    rows = reminders.queue_due_reminders(now or utcnow())
    db.session.commit()
    outbox.dispatch([row.id for row in rows])
    return len(rows)


def close_interrupted_sends(report, now):
    stale_before = now - timedelta(seconds=setting("EMAIL_SENDING_STALE_SECONDS"))
    ids = db.session.scalars(
        select(EmailOutbox.id).where(EmailOutbox.status == outbox.SENDING, EmailOutbox.claimed_at <= stale_before)
    ).all()
    db.session.rollback()
    for outbox_id in ids:
        report.interrupted += tasks.close_if_interrupted(outbox_id, now)


def requeue_lost_emails(report, now):
    ids = outbox.due_for_retry(now)
    db.session.rollback()
    for outbox_id in ids:
        if job_is_live(outbox.job_id(outbox_id)):
            continue
        if outbox.dispatch([outbox_id]):
            report.requeued += 1
        elif not jobs_run_inline():
            report.errors.append("Redis unavailable: emails not queued")
            break

