"""The terminal push lifecycle: one push of a payment request to a terminal, from the cashier's click on.

    sent ──► paid
      ├──► expired ───► paid      (no tap in TERMINAL_PUSH_TTL_SECONDS; its request is withdrawn)
      ├──► cancelled ─► paid      (the cashier stopped waiting: a declined card; its request is withdrawn)
      └──► replaced ──► paid      (sent again, or the balance changed)

A push that ended can still be paid by a tap that was already under way; the payment is booked and the
push closed as paid. Whether the device has *received* a push is asked of Paystack by the waiting screen and
never stored (the screen is a GET), so there is no `delivered` status here.
"""
from enum import StrEnum

from sqlalchemy import select

from billing_desk import audit
from billing_desk.extensions import db
from billing_desk.models import TerminalPush
from billing_desk.timeutil import utcnow


class PushStatus(StrEnum):
    SENT = "sent"
    PAID = "paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REPLACED = "replaced"


P = PushStatus
ENDED = (P.EXPIRED, P.CANCELLED, P.REPLACED)
TRANSITIONS = {
    P.SENT: {P.PAID, *ENDED},
    P.EXPIRED: {P.PAID},
    P.CANCELLED: {P.PAID},
    P.REPLACED: {P.PAID},
    P.PAID: set(),
}
LABELS = {
    P.SENT: "On the terminal — waiting for the card",
    P.PAID: "Paid on the terminal",
    P.EXPIRED: "Timed out — taken off the terminal",
    P.CANCELLED: "Stopped by the cashier — taken off the terminal",
    P.REPLACED: "Replaced by a newer charge",
}


def label(status):
    return LABELS[P(status)]


def set_status(push, status, *, actor_id=audit.SYSTEM, now=None):
    """Move a push along an allowed edge with its audit row; False (nothing changed) for any other move.

    `actor_id` is the cashier who stopped waiting; `audit.SYSTEM` for a webhook, the sweep or a re-push.
    """
    if not status_can_move(push.status, status):
        return False
    before = push.status
    push.status = P(status).value
    push.finished_at = now or utcnow()
    audit.record(f"terminal_push.{push.status}", push, before={"status": before}, after={"status": push.status},
                 invoice_id=push.invoice_id, actor_id=actor_id)
    return True


def status_can_move(current, target):
    return P(target) in TRANSITIONS[P(current)]


def pushes_where(*where, statuses):
    return db.session.execute(
        select(TerminalPush).where(*where, TerminalPush.status.in_(statuses))
    ).scalars().all()


def replace_open_pushes(*where):
    """Close every open push matching `where` as replaced (a new charge, or its request was withdrawn)."""
    now = utcnow()
    for push in pushes_where(*where, statuses=(P.SENT,)):
        set_status(push, P.REPLACED, now=now)


def close_paid_pushes(payment_request_id):
    """Every push of a request that has just been paid becomes `paid` (audited, by the system)."""
    now = utcnow()
    for push in pushes_where(TerminalPush.payment_request_id == payment_request_id, statuses=(P.SENT, *ENDED)):
        set_status(push, P.PAID, now=now)


def latest_push(payment_request_id):
    return db.session.scalar(
        select(TerminalPush).where(TerminalPush.payment_request_id == payment_request_id)
        .order_by(TerminalPush.created_at.desc(), TerminalPush.id.desc())
    )


def last_push_of_invoice(invoice_id):
    return db.session.scalar(
        select(TerminalPush).where(TerminalPush.invoice_id == invoice_id).order_by(TerminalPush.id.desc())
    )


def has_ended_push(payment_request_id):
    """True when the request was on a terminal and that push ended (expired, stopped or replaced) with no push
    still open: such a request is withdrawn rather than sent again, so a late tap cannot use it."""
    statuses = set(db.session.scalars(
        select(TerminalPush.status).where(TerminalPush.payment_request_id == payment_request_id)
    ))
    return bool(statuses) and P.SENT not in statuses and P.PAID not in statuses


def cancel_push(push_id, staff_id):
    """The cashier stops waiting: the card was declined or the patient changed their mind.

    Paystack sends no webhook the desk can tie to a declined terminal card, so only the cashier can tell.
    Returns the push; one that is already finished is left as it is (a double click, or it was paid
    meanwhile). Withdrawing its request from the terminal is `retire.withdraw_after_commit`. Flushes.
    """
    push = db.session.get(TerminalPush, push_id, with_for_update=True, populate_existing=True)
    if push.status == P.SENT:
        set_status(push, P.CANCELLED, actor_id=staff_id)
        db.session.flush()
    return push


def expire_due_pushes(now):
    """Open pushes past `expires_at` become `expired`; returns them (the sweep withdraws their requests)."""
    pushes = db.session.execute(
        select(TerminalPush)
        .where(TerminalPush.status == P.SENT, TerminalPush.expires_at <= now)
        .with_for_update(skip_locked=True)
    ).scalars().all()
    for push in pushes:
        set_status(push, P.EXPIRED, now=now)
    return pushes
