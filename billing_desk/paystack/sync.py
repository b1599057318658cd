"""The desk's Paystack operations: customers, payment requests, terminals and pushes.

Plain functions for views, jobs and commands; all HTTP goes through `client.py`. They flush and leave the
commit to the caller, except `ensure_payment_request` (and `push_to_terminal`, which calls it): Paystack has
no idempotency key (docs/paystack.md pitfall 5), so the `creating` PaymentRequest row is committed *before*
`POST /paymentrequest`; a timeout then leaves a trace, and the next attempt looks the request up at Paystack
(its description carries the row's reference) instead of creating a second one.

Errors meant for the cashier: `SyncRefused` kinds (`TerminalUnavailable`, `InvoiceNotPayable`,
`RequestInProgress`) and the client's `PaystackError` kinds; `str(error)` is always fit to show.
"""
import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from billing_desk import audit
from billing_desk.billing import states
from billing_desk.billing.money import format_money
from billing_desk.billing.payments import lock_invoice
from billing_desk.extensions import db
from billing_desk.models import Invoice, Patient, PaymentRequest, Terminal, TerminalPush
from billing_desk.paystack import apply
from billing_desk.paystack.client import (
    PaystackAuthError,
    PaystackError,
    PaystackNotFound,
    PaystackRejected,
    PaystackUnavailable,
    get_client,
)
from billing_desk.public import links
from billing_desk.timeutil import utcnow

log = logging.getLogger(__name__)

# Local statuses of a PaymentRequest besides Paystack's own (pending, success, failed):
CREATING = "creating"  # committed before POST /paymentrequest; resolved by the next attempt
ABANDONED = "abandoned"  # the create certainly did not happen (refused, or not found at Paystack later)
ARCHIVED = "archived"  # replaced (the balance changed); archived at Paystack so it cannot be paid
OPEN_REQUEST_STATUSES = (CREATING, "pending")
# The marker in a request's description that ties it to our row (Paystack has no client reference).
DESK_REF = "desk ref PR-{id}"
# How many of a customer's requests are searched for a create that timed out (newest first).
LOOKUP_PAGE_SIZE = 100
TERMINAL_PAGES = 20

# TerminalPush statuses, and what the waiting screen calls them.
SENT, DELIVERED, PAID, FAILED, EXPIRED, CANCELLED = "sent", "delivered", "paid", "failed", "expired", "cancelled"
SCREEN_STATUS = {SENT: "waiting", DELIVERED: "delivered", PAID: "paid", FAILED: "failed", EXPIRED: "expired",
                 CANCELLED: "cancelled"}


class SyncRefused(Exception):
    """The desk will not do this now; the message says why in words for the cashier."""


class TerminalUnavailable(SyncRefused):
    """The terminal cannot take a payment now (offline, busy, switched off here); nothing was pushed."""


class InvoiceNotPayable(SyncRefused):
    """The invoice owes nothing or is not in a state that takes payments."""


class RequestInProgress(SyncRefused):
    """Another attempt is creating this invoice's payment request right now; try again in a few seconds."""


# ---- customers -------------------------------------------------------------------------------------------

def generated_email(patient):
    """A stable address for a patient without a usable one (Paystack requires an email): `<mrn>@domain`."""
    local = re.sub(r"[^a-z0-9._-]+", "-", patient.mrn.strip().lower()).strip("-.") or f"patient-{patient.id}"
    return f"{local}@{current_app.config['PATIENT_EMAIL_DOMAIN']}"


def ensure_customer(patient_id):
    """The patient's Paystack customer code, made once and stored on the patient.

    Paystack keys customers by email and answers a create for a known email with the existing customer
    (docs/paystack.md §2), so two patients sharing an address (a family's) would share a customer. A patient whose
    address is taken by another patient's customer, or refused by Paystack, gets the generated address.
    """
    patient = db.session.get(Patient, patient_id)
    if patient.paystack_customer_code:
        return patient.paystack_customer_code
    customer = None
    if patient.email:
        try:
            customer = _fetch_or_create_customer(patient, patient.email.strip().lower())
        except PaystackRejected as refused:
            if isinstance(refused, PaystackAuthError):
                raise
            log.warning("patient %s: Paystack refused the address (%s); using the generated one", patient.id,
                        refused.paystack_message)
        if customer is not None and _code_taken(customer["customer_code"], patient.id):
            customer = None
    if customer is None:
        customer = _fetch_or_create_customer(patient, generated_email(patient))
    patient.paystack_customer_code = customer["customer_code"]
    patient.paystack_customer_id = apply.as_int(customer.get("id"))
    audit.record("patient.paystack_customer", patient, after={
        "paystack_customer_code": patient.paystack_customer_code, "email": customer.get("email"),
    }, patient_id=patient.id)
    db.session.flush()
    return patient.paystack_customer_code


def _fetch_or_create_customer(patient, email):
    """Fetch first: a create is not promised to be idempotent (only reported so), a fetch is."""
    client = get_client()
    try:
        return client.fetch_customer(email)
    except PaystackNotFound:
        return client.create_customer(
            email, first_name=patient.first_name, last_name=patient.last_name, phone=patient.phone,
            metadata={"mrn": patient.mrn},
        )


def _code_taken(code, patient_id):
    return db.session.execute(
        select(Patient.id).where(Patient.paystack_customer_code == code, Patient.id != patient_id)
    ).first() is not None


# ---- payment requests ------------------------------------------------------------------------------------

def ensure_payment_request(invoice_id):
    """The live (pending) PaymentRequest for the invoice's current balance, made at Paystack if needed.

    Never two for one balance: a `creating` row left by a timed-out create is first looked up at Paystack;
    a pending request for an old balance (a cash part-payment since) is verified — anything paid on it is
    booked — then archived, and a new one is made. Commits (see the module docstring); raises
    InvoiceNotPayable, RequestInProgress or a PaystackError.
    """
    invoice = _payable(invoice_id)
    customer_code = ensure_customer(invoice.patient_id)
    db.session.commit()
    kept = None
    for row in _open_requests(invoice_id):  # newest first
        booked = None
        if row.status == CREATING:
            booked = _resolve_creating(row)
        if row.status == "pending":
            if kept is None and _fits(row, invoice):
                kept = row
            else:
                booked = retire_request(row)
        db.session.commit()  # what Paystack did (found, booked, archived) is kept whatever happens next
        apply.dispatch_receipts(booked)

    invoice = lock_invoice(invoice_id)  # serialises the check-and-insert against a concurrent attempt
    _check_payable(invoice)
    rows = _open_requests(invoice_id)
    live = next((row for row in rows if row.status == "pending" and _fits(row, invoice)), None)
    if live is not None:
        db.session.commit()
        return live
    if rows:  # another attempt got in between our checks
        db.session.rollback()
        raise RequestInProgress("The payment request for this invoice is being prepared. Try again in a moment.")
    row = PaymentRequest(invoice_id=invoice.id, amount_minor=invoice.balance_due_minor, currency=invoice.currency,
                         status=CREATING)
    db.session.add(row)
    db.session.flush()
    body = _request_body(invoice, row, customer_code)
    db.session.commit()
    return _create_at_paystack(row.id, body)


def _payable(invoice_id):
    invoice = db.session.get(Invoice, invoice_id)
    _check_payable(invoice)
    return invoice


def _check_payable(invoice):
    if states.InvoiceStatus(invoice.status) not in states.PAYABLE or invoice.balance_due_minor <= 0:
        raise InvoiceNotPayable(
            f"Invoice {invoice.number or invoice.id} is {states.LABELS[invoice.status].lower()}: "
            "there is nothing to collect."
        )


def _fits(row, invoice):
    return row.amount_minor == invoice.balance_due_minor and row.currency == invoice.currency


def _open_requests(invoice_id):
    return db.session.execute(
        select(PaymentRequest)
        .where(PaymentRequest.invoice_id == invoice_id, PaymentRequest.status.in_(OPEN_REQUEST_STATUSES))
        .order_by(PaymentRequest.id.desc())
        .execution_options(populate_existing=True)
    ).scalars().all()


def _request_body(invoice, row, customer_code):
    """Paystack's create body: the invoice lines in minor units when they add up to the balance, else one
    "balance due" line; Paystack does not email the patient (the desk sends its own mail)."""
    config = current_app.config
    items = []
    for line in invoice.lines:
        if line.line_total_minor == line.unit_price_minor * line.quantity:
            items.append({"name": line.description, "amount": line.unit_price_minor, "quantity": line.quantity})
        else:  # a line discount: Paystack multiplies the unit price, so send the line's total once
            items.append({"name": line.description, "amount": line.line_total_minor, "quantity": 1})
    if sum(item["amount"] * item["quantity"] for item in items) != row.amount_minor:
        items = [{"name": f"Balance due on invoice {invoice.number}", "amount": row.amount_minor, "quantity": 1}]
    body = {
        "customer": customer_code,
        "currency": row.currency,
        "line_items": items,
        "description": f"Invoice {invoice.number} — {config['HOSPITAL_NAME']} ({DESK_REF.format(id=row.id)})",
        "send_notification": False,
    }
    if invoice.due_date:
        body["due_date"] = invoice.due_date.isoformat()
    return body


def _create_at_paystack(row_id, body):
    try:
        created = get_client().create_payment_request(**body)
    except PaystackError as error:
        row = db.session.get(PaymentRequest, row_id)
        if isinstance(error, PaystackUnavailable) and error.outcome_unknown:
            log.warning("payment request %s: create not confirmed (%s); looked up before the next try",
                        row_id, error.detail)
        else:
            _set_status(row, ABANDONED, note=error.detail)
            db.session.commit()
        raise
    row = db.session.get(PaymentRequest, row_id)
    _link(row, created)
    if apply.as_int(created.get("amount")) != row.amount_minor:
        # Paystack totals the lines itself; a terminal must never ask for a different amount than we expect.
        retire_request(row)
        db.session.commit()
        raise PaystackError("Paystack worked out a different amount for this invoice; nothing was sent. "
                            "Please tell an administrator.", detail=f"created {created.get('amount')}")
    db.session.flush()
    return row


def _link(row, data):
    """Copy Paystack's ids onto our row; it is live (`pending`) from now on."""
    row.paystack_id = apply.as_int(data.get("id"))
    row.request_code = data.get("request_code")
    row.offline_reference = str(data.get("offline_reference") or "") or None
    _set_status(row, "pending")


def _set_status(row, status, note=None):
    before = audit.snapshot(row, ("status", "request_code"))
    row.status = status
    audit.record(f"payment_request.{status}", row, before=before, after=audit.snapshot(row, ("status", "request_code")),
                 invoice_id=row.invoice_id, actor_id=None, note=note)


def _resolve_creating(row):
    """A `creating` row: find its request at Paystack (create timed out after all) or mark it abandoned.

    A young row may belong to an attempt still waiting for Paystack's answer: refused, to avoid a twin.
    Returns the Outcome of booking what was paid on it meanwhile, if anything (see `retire_request`).
    """
    config = current_app.config
    patience = config["PAYSTACK_CONNECT_TIMEOUT"] + config["PAYSTACK_READ_TIMEOUT"] + 5
    if row.created_at > utcnow() - timedelta(seconds=patience):
        raise RequestInProgress("The payment request for this invoice is being prepared. Try again in a moment.")
    patient = row.invoice.patient
    items, _meta = get_client().list_payment_requests(
        customer=patient.paystack_customer_id or patient.paystack_customer_code, currency=row.currency,
        perPage=LOOKUP_PAGE_SIZE,
    )
    marker = DESK_REF.format(id=row.id)
    found = next(
        (item for item in items
         if marker in re.findall(r"desk ref PR-\d+", str(item.get("description") or ""))
         and apply.as_int(item.get("amount")) == row.amount_minor),
        None,
    )
    booked = None
    if found is None:
        _set_status(row, ABANDONED, note="not found at Paystack after a create that was not confirmed")
    else:
        log.info("payment request %s: the unconfirmed create did happen (%s)", row.id, found.get("request_code"))
        _link(row, found)
        if found.get("status") != "pending":  # paid (or failed) meanwhile: book it, never offer it again
            booked = retire_request(row)
    db.session.flush()
    return booked


def retire_request(row):
    """Take a pending request out of use: verify it first and book anything paid on it (an archived request
    can no longer be verified, docs/paystack.md pitfall 11), then archive it at Paystack unless it is paid.

    Returns the Outcome of that booking (None when nothing was paid): the caller dispatches its receipts
    after committing."""
    client = get_client()
    try:
        verified = client.verify_payment_request(row.request_code)
    except PaystackRejected:  # already archived or unknown at Paystack: nothing left to collect on it
        verified = None
    booked = None
    if verified and (verified.get("transactions") or verified.get("paid")):
        booked = apply.apply_verified_request(row, verified)
    if row.status == "success":
        return booked
    if verified is not None:
        client.archive_payment_request(row.request_code)
    _set_status(row, ARCHIVED)
    _cancel_open_pushes(TerminalPush.payment_request_id == row.id)
    db.session.flush()
    return booked


def _cancel_open_pushes(*where):
    now = utcnow()
    for push in db.session.execute(
        select(TerminalPush).where(*where, TerminalPush.status.in_(apply.OPEN_PUSH_STATUSES))
    ).scalars().all():
        apply.set_push_status(push, CANCELLED, now)


# ---- terminals and pushes --------------------------------------------------------------------------------

@dataclass
class TerminalSync:
    added: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    missing: list = field(default_factory=list)  # ours, no longer listed by Paystack (left for an admin)


def sync_terminals():
    """Upsert a Terminal row for every terminal Paystack lists; names and desks given here are kept."""
    seen, cursor = {}, None
    for _page in range(TERMINAL_PAGES):
        params = {"perPage": 100, **({"next": cursor} if cursor else {})}
        items, meta = get_client().list_terminals(**params)
        seen.update({str(item["terminal_id"]): item for item in items if item.get("terminal_id")})
        cursor = meta.get("next")
        if not cursor or not items:
            break
    result = TerminalSync()
    rows = {row.terminal_id: row for row in db.session.execute(select(Terminal)).scalars()}
    for code, item in sorted(seen.items()):
        facts = {"paystack_id": apply.as_int(item.get("id")), "serial_number": item.get("serial_number"),
                 "status": item.get("status")}
        row = rows.get(code)
        if row is None:
            row = Terminal(terminal_id=code, name=(item.get("name") or code)[:80], active=True, **facts)
            db.session.add(row)
            db.session.flush()
            audit.record("terminal.added", row, after={"terminal_id": code, **facts})
            result.added.append(row)
        elif any(getattr(row, name) != value for name, value in facts.items()):
            before = audit.snapshot(row, tuple(facts))
            for name, value in facts.items():
                setattr(row, name, value)
            audit.record("terminal.updated", row, before=before, after=audit.snapshot(row, tuple(facts)))
            result.updated.append(row)
    result.missing = [row for code, row in sorted(rows.items()) if code not in seen]
    db.session.flush()
    return result


def terminal_presence(terminal_row_id):
    """`{"online", "available", "message"}` for a terminal, asked of Paystack now."""
    terminal = db.session.get(Terminal, terminal_row_id)
    presence = get_client().terminal_presence(terminal.terminal_id)
    online, available = presence.get("online") is True, presence.get("available") is True
    if not online:
        message = f"{terminal.name} is offline. Check that it is switched on and connected."
    elif not available:
        message = f"{terminal.name} is busy with another payment."
    else:
        message = f"{terminal.name} is ready."
    return {"online": online, "available": online and available, "message": message}


def push_to_terminal(invoice_id, terminal_id, staff_id):
    """Send the invoice's balance to a terminal for the patient to pay; returns the new TerminalPush.

    Makes sure of the customer and the payment request (committing, see `ensure_payment_request`), refuses
    an offline or busy terminal without pushing, and sends `{type: invoice, action: process}` with the
    request's id and offline reference (docs/paystack.md §4). A re-push — same terminal or another — reuses the request;
    earlier pushes of the invoice are closed as `cancelled`. The caller commits the push.
    """
    terminal = db.session.get(Terminal, terminal_id)
    if terminal is None or not terminal.active:
        raise TerminalUnavailable("That terminal is not in use at this desk. Choose another terminal.")
    payment_request = ensure_payment_request(invoice_id)
    presence = terminal_presence(terminal.id)
    if not presence["available"] and not (presence["online"] and _showing(terminal, payment_request)):
        raise TerminalUnavailable(presence["message"] + " Nothing was sent; try again or choose another terminal.")
    event = get_client().send_terminal_event(
        terminal.terminal_id, "invoice", "process",
        {"id": payment_request.paystack_id, "reference": payment_request.offline_reference},
    )
    _cancel_open_pushes(TerminalPush.invoice_id == invoice_id)
    now = utcnow()
    push = TerminalPush(
        invoice_id=invoice_id, payment_request_id=payment_request.id, terminal_id=terminal.id, staff_id=staff_id,
        event_id=str(event.get("id") or "") or None, status=SENT, created_at=now,
        expires_at=now + timedelta(seconds=current_app.config["TERMINAL_PUSH_TTL_SECONDS"]),
    )
    db.session.add(push)
    db.session.flush()
    audit.record("terminal_push.sent", push, after={
        "terminal": terminal.terminal_id, "payment_request": payment_request.request_code,
        "amount_minor": payment_request.amount_minor, "currency": payment_request.currency,
    }, invoice_id=invoice_id, actor_id=staff_id)
    return push


def _showing(terminal, payment_request):
    """True when the terminal's last push was this same request: it is "busy" showing what we want to collect
    (our push expired here before the terminal gave up), so pushing again is safe."""
    last = db.session.execute(
        select(TerminalPush.payment_request_id).where(TerminalPush.terminal_id == terminal.id)
        .order_by(TerminalPush.id.desc()).limit(1)
    ).scalar()
    return last == payment_request.id


def expire_push(push, now=None):
    """An open push past `expires_at` becomes `expired` (the sweep stores this; the waiting screen only
    reports it). The patient may still pay; `apply` closes the push as paid then."""
    apply.set_push_status(push, EXPIRED, now or utcnow())


def cancel_push(push_id, staff_id):
    """The cashier stops waiting: the card was declined or the patient changed their mind.

    Paystack sends no webhook the desk can tie to a declined terminal card (docs/paystack.md §7), so only the cashier
    can tell. Returns the push; one that is already finished is left as it is (a double click, or it was
    paid meanwhile). Money that still arrives for the request is booked: `apply` pays cancelled pushes too.
    Nothing is sent to Paystack (there is no call to take a push back off a terminal). Flushes.
    """
    push = db.session.get(TerminalPush, push_id, with_for_update=True, populate_existing=True)
    if push.status in apply.OPEN_PUSH_STATUSES:
        apply.set_push_status(push, CANCELLED, utcnow(), actor_id=staff_id)
        db.session.flush()
    return push


# (terminal id, event id) pairs Paystack has confirmed delivered, in this process. Delivery is final but not
# stored (the waiting screen is a GET), so this keeps a screen polling every second from asking Paystack
# again each time (test mode allows 100 calls a minute, docs/paystack.md pitfall 16).
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


def _replaced(push):
    """True when the push was cancelled by the desk itself (sent again, or the balance changed) rather than
    by the cashier stopping it."""
    if push.payment_request.status == ARCHIVED:
        return True
    return db.session.execute(
        select(TerminalPush.id).where(TerminalPush.invoice_id == push.invoice_id, TerminalPush.id > push.id).limit(1)
    ).first() is not None


def push_status(push_id):
    """What the waiting screen shows: `{status, invoice_status, balance_due_minor, currency, message}`.

    Reads only: the screen polls this with GETs. An open push past `expires_at` is reported expired (the
    sweep stores that); whether the terminal has received it is asked of Paystack and reported, not stored.
    Rows are read afresh (`populate_existing`): a session that saw them before must still show what a
    webhook applied since.
    """
    push = db.session.get(TerminalPush, push_id, populate_existing=True)
    invoice = db.session.get(Invoice, push.invoice_id, populate_existing=True)
    terminal = push.terminal
    status, problem = SCREEN_STATUS.get(push.status, "waiting"), None
    if push.status in apply.OPEN_PUSH_STATUSES and push.expires_at is not None and push.expires_at <= utcnow():
        status = "expired"
    elif push.status == SENT and push.event_id:
        try:
            if _delivered(terminal, push.event_id):
                status = "delivered"
        except PaystackError as error:
            problem = f" (Paystack could not be asked just now: {error})"
    if status in ("waiting", "delivered") and invoice.status == states.S.PAID:
        status = "paid"
    amount = format_money(push.payment_request.amount_minor, push.payment_request.currency)
    messages = {
        "waiting": f"Sent {amount} to {terminal.name}. Waiting for the terminal to show it…{problem or ''}",
        "delivered": f"{terminal.name} is showing {amount}. Ask the patient to tap, insert or swipe their card.",
        "paid": f"Paid. {amount} received on {terminal.name}.",
        "failed": "The card payment did not go through. Send it to the terminal again or take another payment.",
        "expired": f"No payment on {terminal.name} in time. Send it again or take another payment method.",
    }
    if status == "cancelled":
        message = (
            "This request was replaced (sent again, or the balance changed). Nothing to collect here."
            if _replaced(push) else
            f"You stopped waiting for {amount} on {terminal.name}. Nothing was recorded; if the patient pays "
            "on the terminal anyway, the payment is still recorded. Send it again or take another payment."
        )
    else:
        message = messages[status]
    return {
        "status": status,
        "invoice_status": invoice.status,
        "balance_due_minor": invoice.balance_due_minor,
        "currency": invoice.currency,
        "message": message,
    }


def obtain_pay_url(invoice_id):
    """The patient's pay link for an invoice's balance, creating the payment request if needed (commits, like
    `ensure_payment_request`; raises its errors when Paystack cannot make one)."""
    return links.pay_url(ensure_payment_request(invoice_id).request_code)
