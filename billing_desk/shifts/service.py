"""Opening, closing and signing off cashier shifts; stamping payments and refunds with their shift.

Money belongs to a shift through `shift_id` on the payment or refund, stamped when the row is written, so a
closed shift's totals never move. Closing computes what the drawer should hold (float + cash taken − cash
refunded; change is already netted because `Payment.amount_minor` is what was paid, not what was tendered),
compares it with what was counted, and freezes everything the Z report shows into the shift row.
Services flush, never commit.
"""
from flask import current_app
from sqlalchemy import event, func, select

from billing_desk import audit
from billing_desk.billing.money import MINOR_PER_MAJOR, format_money
from billing_desk.extensions import db
from billing_desk.models import AccountEntry, Payment, Refund, Shift, Staff
from billing_desk.models.payment import CHANNELS
from billing_desk.shifts.terminal_check import check_terminals
from billing_desk.timeutil import shown, utcnow

CASH = "cash"
# Money a cashier takes in person: it needs an open shift when REQUIRE_OPEN_SHIFT is on.
DESK_CHANNELS = frozenset({"cash", "transfer"})
# Notes a drawer is counted in, by face value in major units.
DENOMINATIONS = {"NGN": (1000, 500, 200, 100, 50, 20, 10, 5)}
SHIFT_AUDIT_FIELDS = (
    "opening_float_minor", "currency", "closed_at", "closed_by_id", "expected_cash_minor", "counted_cash_minor",
    "variance_minor", "variance_reason", "signed_off_at", "signed_off_by_id",
)


class ShiftRefused(ValueError):
    """The shift cannot be opened, closed or signed off; the message is fit to show staff."""


class ReasonRequired(ShiftRefused):
    """The count is too far from what the drawer should hold to close without an explanation."""


class NotYourShift(PermissionError):
    """Only the cashier who opened a shift, or an administrator, may close it."""


def open_shift_of(staff_id, *, lock=False):
    """The staff member's open shift, or None. `lock` takes a share lock so a close waits for the payment."""
    query = select(Shift).where(Shift.staff_id == staff_id, Shift.closed_at.is_(None))
    if lock:
        query = query.with_for_update(read=True)
    return db.session.execute(query).scalar_one_or_none()


def payment_shift_id(channel, received_by_id, require_open_shift):
    """The shift a payment belongs to: the receiving staff member's open shift (None if there is none).

    Returns ``(shift_id, required)``: `required` says the payment must be refused without a shift — a
    cash or transfer payment taken by a signed-in staff member under the `require_open_shift` policy.
    """
    if received_by_id is None:
        return None, False
    shift = open_shift_of(received_by_id, lock=True)
    required = require_open_shift and channel in DESK_CHANNELS
    return (shift.id if shift else None), required


@event.listens_for(Refund, "before_insert")
def _stamp_refund_shift(_mapper, connection, refund):
    """Give a new refund the open shift of whoever made it, in the same flush.

    Refunds are created in `billing.refunds` (another package); stamping at insert keeps the cash count
    right without that code having to know about shifts.
    """
    if refund.shift_id is None and refund.created_by_id is not None:
        refund.shift_id = connection.execute(
            select(Shift.id).where(Shift.staff_id == refund.created_by_id, Shift.closed_at.is_(None))
        ).scalar_one_or_none()


def open_shift(staff_id, opening_float_minor, *, currency, submission_key=None):
    """Start a shift with a float. One open shift per staff member: the staff row is locked for the check."""
    if submission_key:
        existing = db.session.execute(
            select(Shift).where(Shift.open_submission_key == submission_key)
        ).scalar_one_or_none()
        if existing is not None:
            return existing
    db.session.execute(select(Staff.id).where(Staff.id == staff_id).with_for_update())
    current = open_shift_of(staff_id)
    if current is not None:
        raise ShiftRefused(
            f"You already have a shift open since {shown(current.opened_at)}. Close it first."
        )
    if opening_float_minor < 0:
        raise ShiftRefused("The opening float cannot be negative.")
    shift = Shift(
        staff_id=staff_id, currency=currency, opening_float_minor=opening_float_minor,
        open_submission_key=submission_key,
    )
    db.session.add(shift)
    db.session.flush()
    audit.record("shift.opened", shift, after=audit.snapshot(shift, SHIFT_AUDIT_FIELDS), actor_id=staff_id)
    return shift


def counted_from_notes(currency, counts):
    """Minor units in a drawer counted by note: {face value in major units: number of notes}."""
    faces = DENOMINATIONS.get(currency, ())
    unknown = set(counts) - set(faces)
    if unknown:
        raise ShiftRefused(f"{currency} has no {', '.join(str(f) for f in sorted(unknown))} note.")
    if any(count < 0 for count in counts.values()):
        raise ShiftRefused("A number of notes cannot be negative.")
    return sum(face * MINOR_PER_MAJOR * count for face, count in counts.items())


def channel_totals(shift_id):
    """{(channel, currency): (total minor units, number of payments)} of the payments in the shift."""
    rows = db.session.execute(
        select(Payment.channel, Payment.currency, func.sum(Payment.amount_minor), func.count(Payment.id))
        .where(Payment.shift_id == shift_id)
        .group_by(Payment.channel, Payment.currency)
    ).all()
    return {(channel, currency): (int(total), count) for channel, currency, total, count in rows}


def _cash_refunds_minor(shift):
    # int(): PostgreSQL sums a BIGINT as NUMERIC, which would reach the JSON audit row as a Decimal.
    return int(db.session.execute(
        select(func.coalesce(func.sum(Refund.amount_minor), 0)).where(
            Refund.shift_id == shift.id, Refund.channel == CASH, Refund.status == "processed",
            Refund.currency == shift.currency,
        )
    ).scalar_one())


def _account_cash_minor(shift):
    """(cash deposited into patients' accounts, cash given back from them) in the shift, in its currency."""
    rows = dict(db.session.execute(
        select(AccountEntry.kind, func.sum(AccountEntry.amount_minor)).where(
            AccountEntry.shift_id == shift.id, AccountEntry.channel == CASH, AccountEntry.currency == shift.currency,
        ).group_by(AccountEntry.kind)
    ).all())
    return int(rows.get("deposit") or 0), int(rows.get("refund") or 0)


def _deposit_rows(shift_id):
    """The Z report's rows for deposits taken in the shift, by channel and currency (none when there were none)."""
    rows = db.session.execute(
        select(AccountEntry.channel, AccountEntry.currency, func.sum(AccountEntry.amount_minor), func.count())
        .where(AccountEntry.shift_id == shift_id, AccountEntry.kind == "deposit")
        .group_by(AccountEntry.channel, AccountEntry.currency).order_by(AccountEntry.channel, AccountEntry.currency)
    ).all()
    return [{"channel": f"deposits_{channel}", "currency": currency, "amount_minor": int(total), "count": count}
            for channel, currency, total, count in rows]


def totals_rows(shift, found=None):
    """The per-channel list (frozen into the Z report at close; live on the open shift's page and the cashier's
    home): the four channels in the shift's currency, then any other currency. `found` is `channel_totals`."""
    found = channel_totals(shift.id) if found is None else found
    rows = []
    for channel in CHANNELS:
        total, count = found.get((channel, shift.currency), (0, 0))
        rows.append({"channel": channel, "currency": shift.currency, "amount_minor": total, "count": count})
    for (channel, currency), (total, count) in sorted(found.items()):
        if currency != shift.currency:
            rows.append({"channel": channel, "currency": currency, "amount_minor": total, "count": count})
    return rows


def close_shift(shift_id, *, actor_id, counted_minor, denominations=None, reason=None, submission_key=None):
    """Close a shift with the counted cash and freeze its Z report.

    The actor is the shift's cashier, or an administrator closing it for them (a cashier who went home
    without closing); the shift records who closed it and the audit row names them.

    Paystack is asked about the shift's terminals *before* the row is locked, so a slow Paystack never
    holds the lock; a Paystack that cannot be reached gives "could not check" and the close goes on.
    """
    shift = db.session.get(Shift, shift_id)
    if shift is None:
        raise ShiftRefused("There is no such shift.")
    if _closed_by(shift, submission_key):
        return shift
    _check_closable(shift, actor_id)
    closing_at = utcnow()
    checks = check_terminals(shift, closing_at)

    shift = db.session.execute(
        select(Shift).where(Shift.id == shift_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()
    if _closed_by(shift, submission_key):  # a double-clicked close: the first click won while we waited
        return shift
    _check_closable(shift, actor_id)
    reason = (reason or "").strip() or None
    found = channel_totals(shift.id)
    deposits_in, deposits_out = _account_cash_minor(shift)
    cash_taken = found.get((CASH, shift.currency), (0, 0))[0] + deposits_in
    cash_refunds = _cash_refunds_minor(shift) + deposits_out
    expected = shift.opening_float_minor + cash_taken - cash_refunds
    variance = counted_minor - expected
    threshold = current_app.config["SHIFT_VARIANCE_REASON_THRESHOLD_MINOR"]
    if abs(variance) > threshold and not reason:
        raise ReasonRequired(
            f"The counted cash is more than {format_money(threshold, shift.currency)} away from what the drawer "
            "should hold. Count again, or explain the difference."
        )
    before = audit.snapshot(shift, SHIFT_AUDIT_FIELDS)
    shift.closed_at = closing_at
    shift.closed_by_id = actor_id
    shift.close_submission_key = submission_key
    shift.cash_taken_minor = cash_taken
    shift.cash_refunds_minor = cash_refunds
    shift.expected_cash_minor = expected
    shift.counted_cash_minor = counted_minor
    shift.variance_minor = variance
    shift.variance_reason = reason
    shift.denominations = (  # largest note first, the order the report lists them in
        {str(face): denominations[face] for face in sorted(denominations, reverse=True)} if denominations else None
    )
    shift.channel_totals = totals_rows(shift, found) + _deposit_rows(shift.id)
    shift.terminal_checks = checks
    db.session.flush()
    audit.record(
        "shift.closed", shift, before=before, after=audit.snapshot(shift, SHIFT_AUDIT_FIELDS), actor_id=actor_id,
        note=reason,
    )
    return shift


def _closed_by(shift, submission_key):
    return bool(submission_key) and not shift.is_open and shift.close_submission_key == submission_key


def may_close(shift, staff):
    """The shift's own cashier or any administrator; other cashiers never close someone else's drawer."""
    return staff is not None and (shift.staff_id == staff.id or staff.is_admin)


def _check_closable(shift, actor_id):
    if not may_close(shift, db.session.get(Staff, actor_id)):
        raise NotYourShift("Only the cashier who opened this shift, or an administrator, can close it.")
    if not shift.is_open:
        raise ShiftRefused(f"This shift was already closed at {shown(shift.closed_at)}.")


def sign_off(shift_id, *, actor_id, note=None):
    """An administrator accepts a closed shift's Z report — once; the report is final afterwards."""
    shift = db.session.execute(
        select(Shift).where(Shift.id == shift_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if shift is None:
        raise ShiftRefused("There is no such shift.")
    if shift.is_open:
        raise ShiftRefused("This shift is still open: the cashier closes it first.")
    if shift.signed_off_at is not None:
        who = shift.signed_off_by.full_name if shift.signed_off_by else "an administrator"
        raise ShiftRefused(f"This shift was already signed off by {who} at {shown(shift.signed_off_at)}.")
    before = audit.snapshot(shift, SHIFT_AUDIT_FIELDS)
    shift.signed_off_at = utcnow()
    shift.signed_off_by_id = actor_id
    shift.sign_off_note = (note or "").strip() or None
    db.session.flush()
    audit.record(
        "shift.signed_off", shift, before=before, after=audit.snapshot(shift, SHIFT_AUDIT_FIELDS),
        actor_id=actor_id, note=shift.sign_off_note,
    )
    return shift
