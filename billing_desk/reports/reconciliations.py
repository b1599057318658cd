"""Stored reconciliations: run `paystack.reconcile.reconcile_day` for a day, keep what it found, list the history.

The scheduler reconciles the hospital's yesterday every night; an administrator can run any day by hand.
Each run is a row, committed as soon as it starts, so a run that dies half-way still shows on the page.
"""
import logging

from flask import current_app
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import EmailOutbox, ReconciliationRun, Staff
from billing_desk.notifications import outbox
from billing_desk.timeutil import utcnow

log = logging.getLogger(__name__)

CLEAN, DIFFERENCES, FAILED = "clean", "differences", "failed"
RESULT_LABELS = {CLEAN: "No differences", DIFFERENCES: "Differences to look at", FAILED: "Could not run",
                 None: "Running"}
HISTORY_SHOWN = 60


def run_and_store(day, *, started_by_id):
    """Reconcile `day`, store the result (commits) and return the stored run."""
    from billing_desk.paystack.errors import PaystackError
    from billing_desk.paystack.reconcile import reconcile_day

    run = ReconciliationRun(day=day, started_by_id=started_by_id, started_at=utcnow(), differences=[], errors=[])
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    try:
        result = reconcile_day(day)
    except PaystackError as error:
        db.session.rollback()
        run = db.session.get(ReconciliationRun, run_id)
        run.result, run.errors = FAILED, [f"Paystack could not be reached, nothing was compared: {error}"]
    else:
        run = db.session.get(ReconciliationRun, run_id)
        _store(run, result)
    run.finished_at = utcnow()
    db.session.commit()
    log.info("reconciliation of %s: %s", day, summary(run))
    if run.result == DIFFERENCES and started_by_id is None:
        outbox.dispatch(_queue_report_emails(run))
    return run


def _queue_report_emails(run):
    """One outbox row per active administrator with the scheduler's findings (committed); returns the rows."""
    test = "[TEST] " if current_app.config["TEST_MODE"] else ""
    subject = (f"{test}{current_app.config['HOSPITAL_NAME']}: reconciliation of {run.day:%d %b %Y} — "
               f"{len(run.differences)} difference(s)")
    admins = db.session.scalars(select(Staff).where(Staff.role == "admin", Staff.active.is_(True))).all()
    rows = [EmailOutbox(kind="reconciliation", reconciliation_run_id=run.id, recipient=admin.email, subject=subject,
                        status=outbox.QUEUED) for admin in admins]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def _store(run, result):
    sweep = result.sweep
    run.ours, run.theirs = result.ours, result.theirs
    run.verified, run.booked, run.flagged = sweep.verified, sweep.paid, sweep.flagged
    run.differences = [{"reference": d.reference, "detail": d.detail, "action": d.action} for d in result.differences]
    run.errors = list(sweep.errors)
    run.result = CLEAN if result.clean else DIFFERENCES


def summary(run):
    if run.result == FAILED:
        return f"{run.day}: could not run ({'; '.join(run.errors)})"
    return (f"{run.day}: {len(run.differences)} differences, {len(run.errors)} requests not verified; desk "
            f"{run.ours}, Paystack {run.theirs}; {run.booked} booked now")


def history(limit=HISTORY_SHOWN):
    return db.session.scalars(
        select(ReconciliationRun).order_by(ReconciliationRun.started_at.desc(), ReconciliationRun.id.desc()).limit(limit)
    ).all()
