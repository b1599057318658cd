"""The after-commit seam: work that may only start once the database has kept what it reads.

Domain code calls `start_after_commit(job, *ids, queue=…)` (or `call_after_commit(fn, *args)`) in the middle
of its transaction; nothing happens until the session commits. A rollback drops what was collected since the
last commit, so a refused payment never starts a receipt and a failed webhook never starts a retirement.

Collected work is kept on the session (`session.info`). When the session commits it becomes *ready*; ready
work is started by `run_ready()`, which `commit()` calls right after committing — and, as a safety net for
plain `db.session.commit()` callers, the app runs it after every request and every job (`register`).
It is not run inside SQLAlchemy's `after_commit` hook because an inline job needs the session for SQL.
"""
import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from billing_desk.extensions import db

log = logging.getLogger(__name__)

PENDING_KEY = "billing_desk.after_commit.pending"
READY_KEY = "billing_desk.after_commit.ready"


def call_after_commit(fn, *args, **kwargs):
    """Run `fn(*args, **kwargs)` once the current transaction has committed (dropped on rollback); the same
    call collected twice in one transaction runs once."""
    pending = db.session().info.setdefault(PENDING_KEY, [])
    if (fn, args, kwargs) not in pending:
        pending.append((fn, args, kwargs))


def start_after_commit(job_function, *args, queue="default", job_id=None):
    """Start background job `job_function(*args)` through `jobs.enqueue` once the transaction has committed."""
    from billing_desk.jobs import enqueue

    kwargs = {"queue": queue, **({"job_id": job_id} if job_id else {})}
    call_after_commit(enqueue, job_function, *args, **kwargs)


def commit():
    """Commit the session, then start whatever the committed transaction collected."""
    db.session.commit()
    run_ready()


def run_ready():
    """Start the work of committed transactions (each item once; failures are logged, not raised: what the
    work reads is committed, and the sweeps find anything that did not start)."""
    session = db.session()
    while session.info.get(READY_KEY):
        fn, args, kwargs = session.info[READY_KEY].pop(0)
        try:
            fn(*args, **kwargs)
        except Exception:
            log.exception("after-commit work %s%r failed; the sweep picks it up", getattr(fn, "__name__", fn), args)


@event.listens_for(Session, "after_commit")
def _committed(session):
    pending = session.info.pop(PENDING_KEY, None)
    if pending:
        session.info.setdefault(READY_KEY, []).extend(pending)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session):
    session.info.pop(PENDING_KEY, None)


def register(app):
    """Run ready work after each request, so a view that commits with `db.session.commit()` still starts it."""

    @app.after_request
    def _start_ready_work(response):
        run_ready()
        return response
