"""Cross-checking a shift's card payments, terminal by terminal, against Paystack's list of transactions.

The comparison is by transaction reference, not only by total: a terminal is often shared by a desk, so
Paystack's list for the shift's hours also holds other cashiers' payments. Those are fine as long as the
desk recorded them somewhere; what matters is (a) a card payment of this shift that Paystack does not
list and (b) a successful Paystack transaction the desk never recorded (e.g. a webhook still missing).
When Paystack cannot be asked, the check says so in words and the close goes on.
"""
import logging

from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import Payment, Staff, Terminal
from billing_desk.paystack.client import get_client
from billing_desk.paystack.errors import PaystackError

log = logging.getLogger(__name__)

CARD_CHANNEL = "card_terminal"
COULD_NOT_CHECK = "Could not check with Paystack"
PER_PAGE = 100
MAX_PAGES = 20  # 2,000 transactions on one terminal in one shift is far beyond a hospital desk


def _paystack_time(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _minor(transaction):
    """What the patient was asked for, in minor units (fees passed to the customer raise `amount`)."""
    for key in ("requested_amount", "amount"):
        value = transaction.get(key)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return int(value)
    return 0


def paystack_transactions(terminal_code, start, end):
    """{reference: minor units} of the terminal's successful Paystack transactions in [start, end]."""
    found = {}
    for page in range(1, MAX_PAGES + 1):
        items, meta = get_client().list_transactions(
            **{"terminal_id": terminal_code, "status": "success", "from": _paystack_time(start),
               "to": _paystack_time(end), "perPage": PER_PAGE, "page": page}
        )
        for item in items:
            if item.get("reference"):
                found[str(item["reference"])] = _minor(item)
        if not items or page >= int((meta or {}).get("pageCount") or 1):
            break
    return found


def _compare(ours, theirs):
    """(Paystack's total for the comparison, the result in words)."""
    recorded = set(
        db.session.scalars(select(Payment.paystack_reference).where(Payment.paystack_reference.in_(list(theirs))))
    )
    missing = sorted(set(ours) - set(theirs))
    unrecorded = sorted(set(theirs) - recorded)
    paystack_minor = sum(theirs[ref] for ref in ours if ref in theirs) + sum(theirs[ref] for ref in unrecorded)
    problems = []
    if missing:
        problems.append(f"not listed by Paystack: {', '.join(missing)}")
    if unrecorded:
        problems.append(f"at Paystack but not recorded at the desk: {', '.join(unrecorded)}")
    if not problems and paystack_minor != sum(ours.values()):
        problems.append("the amounts differ")
    return paystack_minor, ("Matches Paystack" if not problems else "Differs — " + "; ".join(problems))


def check_terminals(shift, end):
    """One row per terminal the shift used (and the cashier's own terminal), for the Z report."""
    ours = {}
    for terminal_id, reference, amount in db.session.execute(
        select(Payment.terminal_id, Payment.paystack_reference, Payment.amount_minor).where(
            Payment.shift_id == shift.id, Payment.channel == CARD_CHANNEL
        )
    ):
        ours.setdefault(terminal_id, {})[reference or f"payment without reference ({amount})"] = amount
    default_terminal = db.session.get(Staff, shift.staff_id).default_terminal_id
    if default_terminal is not None:
        ours.setdefault(default_terminal, {})
    rows = []
    for terminal_id, payments in ours.items():
        terminal = db.session.get(Terminal, terminal_id) if terminal_id is not None else None
        row = {"terminal": f"{terminal.name} ({terminal.terminal_id})" if terminal else "No terminal recorded",
               "desk_minor": sum(payments.values()), "paystack_minor": None, "result": COULD_NOT_CHECK}
        if terminal is not None:
            try:
                theirs = paystack_transactions(terminal.terminal_id, shift.opened_at, end)
            except PaystackError as error:
                log.warning("shift %s: Paystack check of terminal %s failed: %s", shift.id, terminal.terminal_id, error)
                row["result"] = f"{COULD_NOT_CHECK}: {error}"
            else:
                row["paystack_minor"], row["result"] = _compare(payments, theirs)
        rows.append(row)
    return sorted(rows, key=lambda row: row["terminal"])
