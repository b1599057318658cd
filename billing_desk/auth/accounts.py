"""Staff accounts: the rules for adding, changing, deactivating, unlocking and resetting them.

Shared by the administrators' Staff pages and `flask users create`, so both apply the same password rule
and both write the same audit rows. Functions flush and never commit; the caller commits once.
"""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from billing_desk import audit
from billing_desk.auth import lockout
from billing_desk.auth.service import find_staff_by_email
from billing_desk.extensions import db
from billing_desk.models import Staff
from billing_desk.models.staff import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, ROLES
from billing_desk.timeutil import utcnow

# What an audit row shows of an account: never the password hash or the session version.
AUDITED_FIELDS = ("email", "full_name", "role", "active")


class AccountRefused(Exception):
    """The change breaks a rule; `field` names the form field the message belongs to (None: the whole form)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class AlreadySubmitted(Exception):
    """This "Add staff" form was already saved (a double click): `staff` is the account it made."""

    def __init__(self, staff):
        super().__init__(staff.email)
        self.staff = staff


def password_problem(password):
    """Why `password` cannot be used, or None. The one password rule for every way a password is set."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must have at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"The password can have at most {MAX_PASSWORD_LENGTH} characters."
    return None


def _check_password(password):
    problem = password_problem(password)
    if problem:
        raise AccountRefused(problem, field="password")


def _snapshot(staff):
    return audit.snapshot(staff, AUDITED_FIELDS)


def find_by_submission_key(key):
    return db.session.scalars(select(Staff).where(Staff.submission_key == key)).first() if key else None


def create_staff(*, email, full_name, role, password, actor_id, submission_key=None, note=None):
    """Add an account. Raises `AlreadySubmitted` for a repeated form and `AccountRefused` for a taken email
    (compared case-insensitively), an unknown role or a password that breaks the rule."""
    earlier = find_by_submission_key(submission_key)
    if earlier is not None:
        raise AlreadySubmitted(earlier)
    if role not in ROLES:
        raise AccountRefused("Choose a role.", field="role")
    _check_password(password)
    if find_staff_by_email(email) is not None:
        raise AccountRefused(f"{email.strip().lower()} already has an account.", field="email")
    staff = Staff(email=email, full_name=full_name, role=role, submission_key=submission_key)
    staff.set_password(password)
    try:
        with db.session.begin_nested():  # a concurrent request may win the race; the unique columns decide
            db.session.add(staff)
    except IntegrityError:
        earlier = find_by_submission_key(submission_key)
        if earlier is not None:
            raise AlreadySubmitted(earlier) from None
        raise AccountRefused(f"{email.strip().lower()} already has an account.", field="email") from None
    audit.record("staff.created", staff, after=_snapshot(staff), actor_id=actor_id, note=note)
    return staff


def _other_active_admins(staff):
    """Ids of the other active administrators, locked so two admins demoting each other cannot both win."""
    return db.session.scalars(
        select(Staff.id).where(Staff.role == "admin", Staff.active.is_(True), Staff.id != staff.id).with_for_update()
    ).all()


def _refuse_losing_last_admin(staff, message):
    if staff.is_admin and staff.active and not _other_active_admins(staff):
        raise AccountRefused(message)


def update_staff(staff, *, full_name, role, actor_id):
    """Change name and role; returns False (writing nothing) when nothing changed.

    An administrator cannot take their own admin role away, and the last active administrator stays one:
    otherwise nobody could manage staff any more.
    """
    if role not in ROLES:
        raise AccountRefused("Choose a role.", field="role")
    if staff.is_admin and role != "admin":
        if staff.id == actor_id:
            raise AccountRefused("You cannot remove your own administrator role. Ask another administrator.",
                                 field="role")
        _refuse_losing_last_admin(staff, "This is the last active administrator; make someone else an "
                                         "administrator first.")
    before = _snapshot(staff)
    staff.full_name = full_name
    staff.role = role
    after = _snapshot(staff)
    if after == before:
        return False
    db.session.flush()
    audit.record("staff.updated", staff, before=before, after=after, actor_id=actor_id)
    return True


def set_active(staff, active, *, actor_id):
    """Deactivate (ending every session of that person at once) or reactivate an account.

    Returns False when the account already was in that state.
    """
    if staff.active == active:
        return False
    if not active:
        if staff.id == actor_id:
            raise AccountRefused("You cannot deactivate your own account. Ask another administrator.")
        _refuse_losing_last_admin(staff, "This is the last active administrator and cannot be deactivated; "
                                         "make someone else an administrator first.")
        staff.end_sessions()
    before = _snapshot(staff)
    staff.active = active
    db.session.flush()
    audit.record("staff.reactivated" if active else "staff.deactivated", staff, before=before,
                 after=_snapshot(staff), actor_id=actor_id)
    return True


def reset_password(staff, password, *, actor_id):
    """Set a new password chosen by an administrator: it ends the person's sessions and lifts any lock."""
    _check_password(password)
    before = _snapshot(staff)
    staff.set_password(password)
    lockout.lift_all(staff.id, utcnow())
    db.session.flush()
    audit.record("staff.password_reset", staff, before=before, after=_snapshot(staff), actor_id=actor_id,
                 note="password changed by an administrator; the person's sessions were ended")


def unlock(staff, *, actor_id):
    """Lift every sign-in pause of the account before it runs out; False when none was running."""
    latest = lockout.lift_all(staff.id, utcnow())
    if latest is None:
        return False
    db.session.flush()
    audit.record("staff.unlocked", staff, before={"locked_until": latest.isoformat()}, after={"locked_until": None},
                 actor_id=actor_id)
    return True
