"""Sending an invoice's balance to a terminal (the push lifecycle's first step; see `pushes.py`)."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from billing_desk import audit
from billing_desk.extensions import db
from billing_desk.models import Invoice, PaymentRequest, Terminal, TerminalPush
from billing_desk.paystack import pushes
from billing_desk.paystack.payment_requests import R
from billing_desk.paystack.client import get_client
from billing_desk.paystack.creation import SyncRefused, check_payable, ensure_payment_request
from billing_desk.paystack.terminals import terminal_presence
from billing_desk.timeutil import utcnow


class TerminalUnavailable(SyncRefused):
    """The terminal cannot take a payment now (offline, busy, switched off here); nothing was pushed."""


def push_to_terminal(invoice_id, terminal_id, staff_id):
    """Send the invoice's balance to a terminal for the patient to pay; returns the new TerminalPush.

    The terminal is asked first, so an offline or busy one makes no request and leaves the invoice free for
    another terminal. Then the live request is obtained (committed, see `creation.py`; one whose push ended is
    replaced by a fresh one) and `{type: invoice, action: process}` is sent with its id and offline reference.
    Earlier open pushes of the invoice are closed as replaced. The caller commits the push.
    """
    terminal = db.session.get(Terminal, terminal_id)
    if terminal is None or not terminal.active:
        raise TerminalUnavailable("That terminal is not in use at this desk. Choose another terminal.")
    check_payable(db.session.get(Invoice, invoice_id))
    presence = terminal_presence(terminal.id)
    if not presence["available"] and not (presence["online"] and _showing_this_invoice(terminal, invoice_id)):
        raise TerminalUnavailable(presence["message"] + " Nothing was sent; try again or choose another terminal.")
    payment_request = ensure_payment_request(invoice_id)
    event = get_client().send_terminal_event(
        terminal.terminal_id, "invoice", "process",
        {"id": payment_request.paystack_id, "reference": payment_request.offline_reference},
    )
    pushes.replace_open_pushes(TerminalPush.invoice_id == invoice_id)
    now = utcnow()
    push = TerminalPush(
        invoice_id=invoice_id, payment_request_id=payment_request.id, terminal_id=terminal.id, staff_id=staff_id,
        event_id=str(event.get("id") or "") or None, status=pushes.P.SENT.value, created_at=now,
        expires_at=now + timedelta(seconds=current_app.config["TERMINAL_PUSH_TTL_SECONDS"]),
    )
    db.session.add(push)
    db.session.flush()
    audit.record("terminal_push.sent", push, invoice_id=invoice_id, actor_id=staff_id, after={
        "terminal": terminal.terminal_id, "payment_request": payment_request.request_code,
        "amount_minor": payment_request.amount_minor, "currency": payment_request.currency,
    })
    return push


def _showing_this_invoice(terminal, invoice_id):
    """True when the terminal's last push was this invoice's still-live request: it is "busy" showing what we
    want to collect (our push ended here before the terminal gave up), so pushing again is safe."""
    last = db.session.execute(
        select(TerminalPush.invoice_id, PaymentRequest.status)
        .join(PaymentRequest, PaymentRequest.id == TerminalPush.payment_request_id)
        .where(TerminalPush.terminal_id == terminal.id).order_by(TerminalPush.id.desc()).limit(1)
    ).first()
    return last is not None and last.invoice_id == invoice_id and last.status == R.PENDING
