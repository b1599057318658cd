"""Sign-in rules: repeated wrong passwords pause sign-in to that account from that address (`lockout`), and a
session only lasts while the staff member is active and their password (session version) is unchanged."""
import re
from functools import lru_cache

from flask import current_app, request
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from billing_desk.auth import lockout
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


def sign_in_context():
    """Where this request's sign-in comes from and the lock policy: `authenticate`'s `address` and `policy`,
    for the views (the sign-in page, a supervisor's sign-off on a form) that check a password."""
    return {"address": request.remote_addr or "unknown", "policy": lockout.LockPolicy.from_config(current_app.config)}


def refusal_words(policy):
    """The one answer for a wrong password, an unknown account and a paused one (no account probing)."""
    return (f"{WRONG_CREDENTIALS} After {policy.threshold} wrong tries, sign-in to an account from this computer "
            f"pauses for {policy.minutes} minutes; an administrator can lift the pause.")


def authenticate(email, password, *, address, policy):
    """Return the staff member for these credentials, counting wrong passwords from `address` (see `lockout`).

    Flushes (failure counts, pause, audit row) but does not commit: the view commits whatever the outcome,
    so failures are counted even though sign-in is refused.
    """
    staff = find_staff_by_email(email)
    now = utcnow()
    if staff is None or lockout.is_paused(staff.id, address, now):
        check_password_hash(_dummy_hash(), password)  # same time as a wrong password: no account probing
        raise SignInRefused(refusal_words(policy))
    if not staff.check_password(password):
        lockout.count_failure(staff, address, policy, now)
        raise SignInRefused(refusal_words(policy))
    if not staff.active:
        raise SignInRefused("This account has been deactivated. Ask an administrator.")
    lockout.forget(staff.id, address)
    db.session.flush()
    return staff


def staff_for_session(session_id):
    """The staff member a session cookie names ("id:version"), or None when that session has ended."""
    match = _SESSION_ID.fullmatch(str(session_id))
    if match is None:
        return None
    staff = db.session.get(Staff, int(match["id"]))
    if staff is None or not staff.active or staff.session_version != int(match["version"]):
        return None
    return staff
