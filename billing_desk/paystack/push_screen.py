"""What the cashier's waiting screen says about a push. Reads only: the screen polls it with GETs."""
from billing_desk.billing import states
from billing_desk.billing.money import format_money
from billing_desk.extensions import db
from billing_desk.models import Invoice, TerminalPush
from billing_desk.paystack.client import get_client
from billing_desk.paystack.errors import PaystackError
from billing_desk.paystack.pushes import P
from billing_desk.timeutil import utcnow

# What the screen shows for each stored push status; `delivered` is only ever asked of Paystack, not stored.
SCREEN_STATUS = {P.SENT: "waiting", P.PAID: "paid", P.EXPIRED: "expired", P.CANCELLED: "cancelled",
                 P.REPLACED: "replaced"}
# (terminal id, event id) pairs Paystack has confirmed delivered, in this process. Delivery is final but not
# stored (the waiting screen is a GET), so this keeps a screen polling every second from asking Paystack
# again each time (test mode allows 100 calls a minute).
_delivered_events = set()
DELIVERED_MEMO_SIZE = 10_000


def _delivered(terminal, event_id):
    key = (terminal.terminal_id, event_id)
    if key in _delivered_events:
        return True
    delivered = get_client().terminal_event_status(terminal.terminal_id, event_id).get("delivered") is True
    if delivered:
        if len(_delivered_events) >= DELIVERED_MEMO_SIZE:
            _delivered_events.clear()
        _delivered_events.add(key)
    return delivered


def _screen_status(push, invoice):
    """(status, problem words or None). An open push past `expires_at` is reported expired (the sweep stores
    that); whether the terminal has received it is asked of Paystack and reported, not stored."""
    status, problem = SCREEN_STATUS[P(push.status)], None
    if push.status == P.SENT and push.expires_at is not None and push.expires_at <= utcnow():
        status = "expired"
    elif push.status == P.SENT and push.event_id:
        try:
            if _delivered(push.terminal, push.event_id):
                status = "delivered"
        except PaystackError as error:
            problem = f" (Paystack could not be asked just now: {error})"
    if status in ("waiting", "delivered") and invoice.status == states.S.PAID:
        status = "paid"
    return status, problem


def _message(status, amount, terminal_name, problem):
    return {
        "waiting": f"Sent {amount} to {terminal_name}. Waiting for the terminal to show it…{problem or ''}",
        "delivered": f"{terminal_name} is showing {amount}. Ask the patient to tap, insert or swipe their card.",
        "paid": f"Paid. {amount} received on {terminal_name}.",
        "expired": f"No payment on {terminal_name} in time; the charge is being taken off the terminal. Send it "
                   "again or take another payment method.",
        "replaced": "This charge was replaced (sent again, or the balance changed). Nothing to collect here.",
        "cancelled": f"You stopped waiting for {amount} on {terminal_name}; the charge is being taken off the "
                     "terminal. Nothing was recorded; if the patient's tap was already under way, the payment is "
                     "still recorded. Send it again or take another payment.",
    }[status]


def push_status(push_id):
    """What the waiting screen shows: `{status, invoice_status, balance_due_minor, currency, message}`.

    Rows are read afresh (`populate_existing`): a session that saw them before must still show what a
    webhook applied since.
    """
    push = db.session.get(TerminalPush, push_id, populate_existing=True)
    invoice = db.session.get(Invoice, push.invoice_id, populate_existing=True)
    status, problem = _screen_status(push, invoice)
    amount = format_money(push.payment_request.amount_minor, push.payment_request.currency)
    return {
        "status": status,
        "invoice_status": invoice.status,
        "balance_due_minor": invoice.balance_due_minor,
        "currency": invoice.currency,
        "message": _message(status, amount, push.terminal.name, problem),
    }
