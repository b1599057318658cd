"""Give job functions an app context and a clean database session, whether run inline or by RQ."""
import functools

from flask import has_app_context

from billing_desk.extensions import db
from billing_desk.jobs.after_commit import run_ready


@functools.lru_cache(maxsize=1)
def _cached_worker_app():
    """One app per worker process, built on first use (importing here avoids a cycle with the factory)."""
    from billing_desk import create_app

    return create_app()


def job(func):
    """Decorate a job function: run it inside an app context, and never leak its session state."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if has_app_context():  # inline, `flask worker`, or a test's in-process worker
            try:
                result = func(*args, **kwargs)
                run_ready()  # work the job's commits collected (see `after_commit`)
                return result
            finally:
                # End whatever the job left open (its own work is committed by then); the caller's
                # objects are only expired, not detached.
                db.session.rollback()
        with _cached_worker_app().app_context():
            try:
                result = func(*args, **kwargs)
                run_ready()
                return result
            finally:
                db.session.remove()

    return wrapper
