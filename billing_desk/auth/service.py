"""Sign-in rules: an account is locked for a while after repeated failed passwords, and a session only
lasts while the staff member is active and their password (session version) is unchanged."""
import re
from datetime import timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from billing_desk import audit
from billing_desk.extensions import db
from billing_desk.models import Staff
from billing_desk.timeutil import utcnow

WRONG_CREDENTIALS = "Email or password is not right."
_SESSION_ID = re.compile(r"(?P<id>[0-9]{1,9}):(?P<version>[0-9]{1,9})")


class SignInRefused(Exception):
    """The message says why, without telling a stranger whether the account exists."""


def find_staff_by_email(email):
    return db.session.scalars(select(Staff).where(func.lower(Staff.email) == email.strip().lower())).one_or_none()


@lru_cache(maxsize=1)
def _dummy_hash():
    return generate_password_hash("not a real password")


def authenticate(email, password):
    """Return the staff member for these credentials, counting failures toward a temporary lock.

    Flushes (failure counts, lock, audit row) but does not commit: the view commits whatever the outcome,
    so failures are counted even though sign-in is refused.
    """
    staff = find_staff_by_email(email)
    if staff is None:
        check_password_hash(_dummy_hash(), password)  # same time as a wrong password: no account probing
        raise SignInRefused(WRONG_CREDENTIALS)
    now = utcnow()
    if staff.is_locked(now):
        raise SignInRefused("Too many failed attempts. This account is locked for a few minutes; try again later.")
    if not staff.check_password(password):
        _count_failure(staff, now)
        raise SignInRefused(WRONG_CREDENTIALS)
    if not staff.active:
        raise SignInRefused("This account has been deactivated. Ask an administrator.")
    staff.failed_login_count = 0
    staff.locked_until = None
    db.session.flush()
    return staff


def _count_failure(staff, now):
    # Incremented in SQL: concurrent wrong passwords each count (the row lock serialises them).
    staff.failed_login_count = Staff.failed_login_count + 1
    db.session.flush()
    threshold = current_app.config["ACCOUNT_LOCK_THRESHOLD"]
    if staff.failed_login_count < threshold:
        return
    minutes = current_app.config["ACCOUNT_LOCK_MINUTES"]
    staff.locked_until = now + timedelta(minutes=minutes)
    staff.failed_login_count = 0
    audit.record("staff.locked", staff, after={"locked_until": staff.locked_until.isoformat()}, actor_id=None,
                 note=f"locked for {minutes} minutes after {threshold} failed sign-ins")
    db.session.flush()


def staff_for_session(session_id):
    """The staff member a session cookie names ("id:version"), or None when that session has ended."""
    match = _SESSION_ID.fullmatch(str(session_id))
    if match is None:
        return None
    staff = db.session.get(Staff, int(match["id"]))
    if staff is None or not staff.active or staff.session_version != int(match["version"]):
        return None
    return staff
