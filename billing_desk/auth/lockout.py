"""Pausing sign-in after repeated wrong passwords — for one account at one address only.

A lock on the whole account would let anyone shut a cashier out of their own desk by typing wrong passwords
from elsewhere; here the wrong passwords only pause sign-in to that account *from that address*. While
paused, the desk answers exactly as it does for a wrong password or an unknown account, so the answer never
tells a stranger whether an account exists. An administrator can lift every pause of an account at once.
Functions flush and never commit.
"""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from billing_desk import audit
from billing_desk.extensions import db
from billing_desk.models import SignInPause


@dataclass(frozen=True)
class LockPolicy:
    threshold: int  # wrong passwords in a row from one address…
    minutes: int  # …pause sign-in from there for this long

    @classmethod
    def from_config(cls, config):
        return cls(config["ACCOUNT_LOCK_THRESHOLD"], config["ACCOUNT_LOCK_MINUTES"])


def _pause_row(staff_id, address):
    return db.session.scalars(
        select(SignInPause).where(SignInPause.staff_id == staff_id, SignInPause.address == address).with_for_update()
    ).one_or_none()


def is_paused(staff_id, address, now):
    return db.session.scalar(
        select(func.count()).where(SignInPause.staff_id == staff_id, SignInPause.address == address,
                                   SignInPause.paused_until > now)
    ) > 0


def count_failure(staff, address, policy, now):
    """One more wrong password for `staff` from `address`; the `threshold`-th pauses sign-in from there."""
    row = _pause_row(staff.id, address)
    if row is None:
        try:
            with db.session.begin_nested():  # a concurrent wrong password may make the row first
                row = SignInPause(staff_id=staff.id, address=address, failures=0)
                db.session.add(row)
        except IntegrityError:
            row = _pause_row(staff.id, address)
    row.failures += 1
    if row.failures >= policy.threshold:
        row.failures = 0
        row.paused_until = now + timedelta(minutes=policy.minutes)
        audit.record("staff.locked", staff, after={"locked_until": row.paused_until.isoformat()}, actor_id=None,
                     note=f"sign-in from {address} paused for {policy.minutes} minutes after "
                          f"{policy.threshold} failed sign-ins")
    db.session.flush()


def forget(staff_id, address):
    """A successful sign-in from `address` starts its count afresh."""
    db.session.execute(delete(SignInPause).where(SignInPause.staff_id == staff_id, SignInPause.address == address))


def paused_until(now):
    """{staff id: when the last running pause of that account ends} — for the administrators' staff list."""
    rows = db.session.execute(
        select(SignInPause.staff_id, func.max(SignInPause.paused_until))
        .where(SignInPause.paused_until > now).group_by(SignInPause.staff_id)
    )
    return dict(rows.all())


def lift_all(staff_id, now):
    """End every pause of the account (an administrator's "Unlock", or a new password); the latest end of
    the pauses lifted, or None when none was running."""
    latest = paused_until(now).get(staff_id)
    db.session.execute(delete(SignInPause).where(SignInPause.staff_id == staff_id))
    return latest
