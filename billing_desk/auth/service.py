"""Sign-in rules: an account is locked for a while after repeated failed passwords."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import Staff
from billing_desk.timeutil import utcnow


class SignInRefused(Exception):
    """The message says why, without telling a stranger whether the account exists."""


def authenticate(email, password):
    """Return the staff member for these credentials, counting failures toward a temporary lock."""
    staff = db.session.execute(select(Staff).where(func.lower(Staff.email) == email.strip().lower())).scalar_one_or_none()
    if staff is None:
        raise SignInRefused("Email or password is not right.")
    now = utcnow()
    if staff.locked_until and staff.locked_until > now:
        raise SignInRefused("Too many failed attempts. This account is locked for a few minutes; try again later.")
    if not staff.check_password(password):
        staff.failed_login_count += 1
        if staff.failed_login_count >= current_app.config["ACCOUNT_LOCK_THRESHOLD"]:
            staff.locked_until = now + timedelta(minutes=current_app.config["ACCOUNT_LOCK_MINUTES"])
            staff.failed_login_count = 0
        db.session.commit()
        raise SignInRefused("Email or password is not right.")
    if not staff.active:
        raise SignInRefused("This account has been deactivated. Ask an administrator.")
    staff.failed_login_count = 0
    staff.locked_until = None
    db.session.commit()
    return staff
