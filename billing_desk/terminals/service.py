"""What the terminal screens do besides calling `billing_desk.paystack`: flush, never commit.

The paystack modules talk to Paystack and audit what they change (terminals added, pushes sent); this module
adds the desk's own changes (names, desks, a cashier's default terminal) and turns their errors into refusals.
"""
from sqlalchemy import select

from billing_desk import audit
from billing_desk.billing.states import is_payable, refusal_to_collect
from billing_desk.extensions import db
from billing_desk.models import Invoice, Staff, Terminal, TerminalPush
from billing_desk.paystack import pushes, retire, terminal_pushes
from billing_desk.paystack.errors import PaystackError
from billing_desk.paystack.creation import SyncRefused
from billing_desk.paystack.terminals import terminal_presence

AUDITED_FIELDS = ("name", "desk", "active")


class ChargeRefused(Exception):
    """The invoice cannot be charged on that terminal now; the message is fit to show a cashier.

    `http_status` says whose problem it is: 409 for the invoice or terminal's state, 502 when Paystack failed.
    """

    def __init__(self, message, http_status=409):
        super().__init__(message)
        self.http_status = http_status


def terminals():
    """Every terminal, in-use ones first, by name."""
    return db.session.scalars(select(Terminal).order_by(Terminal.active.desc(), Terminal.name, Terminal.id)).all()


def active_terminals():
    return db.session.scalars(select(Terminal).where(Terminal.active.is_(True)).order_by(Terminal.name)).all()


def presence_words(terminals):
    """Whether a cashier can push to each terminal right now, in words, by terminal row id.

    One Paystack call per terminal in use; once a call fails the rest are not asked, so a Paystack outage
    costs the page one timeout, not one per terminal.
    """
    words, reachable = {}, True
    for terminal in terminals:
        if not terminal.active:
            words[terminal.id] = "Not in use"
            continue
        presence = None
        if reachable:
            try:
                presence = terminal_presence(terminal.id)
            except PaystackError:
                reachable = False
        if presence is None:
            words[terminal.id] = "Unknown — Paystack did not answer"
        elif not presence["online"]:
            words[terminal.id] = "Offline"
        else:
            words[terminal.id] = "Online, ready" if presence["available"] else "Busy"
    return words


def update_terminal(terminal, *, name, desk, active, actor_id):
    """An administrator names a terminal, maps it to a desk, or takes it in/out of use. Returns whether it changed."""
    before = audit.snapshot(terminal, AUDITED_FIELDS)
    terminal.name, terminal.desk, terminal.active = name, desk or None, active
    after = audit.snapshot(terminal, AUDITED_FIELDS)
    if after == before:
        return False
    audit.record("terminal.updated", terminal, before=before, after=after, actor_id=actor_id)
    db.session.flush()
    return True


def refusal(invoice):
    """Why the invoice cannot go to a terminal now (words for the cashier), or None when it can."""
    return refusal_to_collect(invoice)


def chargeable(invoice):
    """Only an issued or part-paid invoice with money still owed can go to a terminal."""
    return is_payable(invoice)


def push_for_submission(submission_key):
    """The push a form submission already made (a double click, a resubmitted page), if any."""
    if not submission_key:
        return None
    return db.session.scalar(select(TerminalPush).where(TerminalPush.submission_key == submission_key))


def charge_on_terminal(invoice, terminal_id, staff_id, submission_key=None):
    """Push the invoice's balance to a terminal and remember that terminal as the cashier's default.

    Returns the TerminalPush. Raises ChargeRefused with words for the cashier; the caller rolls back, so a
    refused push leaves no push row and no changed default (the payment request `sync` commits on its own is
    kept on purpose: the next try reuses it).
    """
    try:
        push = terminal_pushes.push_to_terminal(invoice.id, terminal_id, staff_id)
    except SyncRefused as refused:
        raise ChargeRefused(str(refused)) from refused
    except PaystackError as failed:
        raise ChargeRefused(str(failed), http_status=502) from failed
    push.submission_key = submission_key or None
    staff = db.session.get(Staff, staff_id)
    if staff.default_terminal_id != terminal_id:
        audit.record("staff.default_terminal", staff, before={"default_terminal_id": staff.default_terminal_id},
                     after={"default_terminal_id": terminal_id}, actor_id=staff_id)
        staff.default_terminal_id = terminal_id
    db.session.flush()
    return push


def stop_waiting(push_id, staff_id):
    """The cashier stops waiting for the card; after the commit the request is taken off the terminal."""
    push = pushes.cancel_push(push_id, staff_id)
    if push.status == pushes.P.CANCELLED:
        retire.retire_after_commit(push.invoice_id)
    return push


def push_view(push):
    """What the waiting screen shows about a push: its invoice, patient, amount and terminal."""
    invoice = db.session.get(Invoice, push.invoice_id)
    return {
        "push": push,
        "invoice": invoice,
        "patient": invoice.patient,
        "amount_minor": push.payment_request.amount_minor,
        "currency": push.payment_request.currency,
        "terminal": push.terminal,
    }
