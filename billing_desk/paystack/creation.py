"""Obtaining the invoice's live payment request — made at Paystack once, never twice for one balance.

Paystack has no idempotency key, so the `creating` row is committed *before* `POST /paymentrequest`; a timeout
then leaves a trace, and the next attempt looks the request up at Paystack (its description carries the row's
reference) instead of creating a second one. What Paystack made is linked and committed at once, whatever
the caller does next (a refused push rolls back only its own work).

Errors meant for the cashier or patient: `SyncRefused` kinds and the client's `PaystackError` kinds; `str()`
of each is fit to show.
"""
import logging
import re
from datetime import timedelta

from flask import current_app

from billing_desk.billing import states
from billing_desk.billing.locks import lock_invoice
from billing_desk.extensions import db
from billing_desk.jobs.after_commit import commit
from billing_desk.models import Invoice, PaymentRequest
from billing_desk.paystack import payment_requests as requests_
from billing_desk.paystack.client import get_client
from billing_desk.paystack.errors import PaystackError, PaystackUnavailable
from billing_desk.paystack.coerce import as_int
from billing_desk.paystack.customers import ensure_customer
from billing_desk.paystack.retire import retire_request, should_retire
from billing_desk.timeutil import utcnow

log = logging.getLogger(__name__)
R = requests_.R
# How many of a customer's requests are searched for a create that timed out (newest first).
LOOKUP_PAGE_SIZE = 100
BEING_PREPARED = "The payment request for this invoice is being prepared. Try again in a moment."


class SyncRefused(Exception):
    """The desk will not do this now; the message says why in words for the cashier."""


class InvoiceNotPayable(SyncRefused):
    """The invoice owes nothing or is not in a state that takes payments."""


class RequestInProgress(SyncRefused):
    """Another attempt is creating this invoice's payment request right now; try again in a few seconds."""


def check_payable(invoice):
    refusal = states.refusal_to_collect(invoice)
    if refusal:
        raise InvoiceNotPayable(refusal)


def ensure_payment_request(invoice_id):
    """The live (pending) PaymentRequest for the invoice's current balance, made at Paystack if needed.

    Open requests that no longer fit are withdrawn first (verified, booked, archived). Commits (see the module
    docstring); raises InvoiceNotPayable, RequestInProgress or a PaystackError.
    """
    check_payable(db.session.get(Invoice, invoice_id))
    customer_code = ensure_customer(db.session.get(Invoice, invoice_id).patient_id)
    commit()
    kept = _settle_open_requests(invoice_id)
    if kept is not None:
        return kept
    invoice = lock_invoice(invoice_id)  # serialises the check-and-insert against a concurrent attempt
    check_payable(invoice)
    if requests_.open_requests(invoice_id):  # another attempt got in between our checks
        db.session.rollback()
        raise RequestInProgress(BEING_PREPARED)
    row = PaymentRequest(invoice_id=invoice.id, amount_minor=invoice.balance_due_minor, currency=invoice.currency,
                         status=R.CREATING.value)
    db.session.add(row)
    db.session.flush()
    body = request_body(invoice, row, customer_code)
    commit()
    return _create_at_paystack(row.id, body)


def _settle_open_requests(invoice_id):
    """Resolve `creating` rows and withdraw pending ones that should not be paid; returns the one to keep."""
    kept = None
    for row in requests_.open_requests(invoice_id):  # newest first
        if row.status == R.CREATING:
            resolve_creating(row)
        if row.status == R.PENDING:
            invoice = db.session.get(Invoice, invoice_id, populate_existing=True)
            if kept is None and not should_retire(row, invoice):
                kept = row
            else:
                retire_request(row)
        commit()  # what Paystack did (found, booked, archived) is kept whatever happens next
    return kept


def request_body(invoice, row, customer_code):
    """Paystack's create body: the invoice lines in minor units when they add up to the balance, else one
    "balance due" line; Paystack does not email the patient (the desk sends its own mail)."""
    items = []
    for line in invoice.lines:
        if line.line_total_minor == line.unit_price_minor * line.quantity:
            items.append({"name": line.description, "amount": line.unit_price_minor, "quantity": line.quantity})
        else:  # a line discount: Paystack multiplies the unit price, so send the line's total once
            items.append({"name": line.description, "amount": line.line_total_minor, "quantity": 1})
    if sum(item["amount"] * item["quantity"] for item in items) != row.amount_minor:
        items = [{"name": f"Balance due on invoice {invoice.number}", "amount": row.amount_minor, "quantity": 1}]
    hospital = current_app.config["HOSPITAL_NAME"]
    body = {
        "customer": customer_code, "currency": row.currency, "line_items": items, "send_notification": False,
        "description": f"Invoice {invoice.number} — {hospital} ({requests_.DESK_REF.format(id=row.id)})",
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
            requests_.set_status(row, R.ABANDONED, note=error.detail)
            commit()
        raise
    row = db.session.get(PaymentRequest, row_id)
    requests_.link(row, created)
    commit()  # linked for good: a refused push or a rolled-back caller must not leave it `creating`
    if as_int(created.get("amount")) != row.amount_minor:
        # Paystack totals the lines itself; a terminal must never ask for a different amount than we expect.
        retire_request(row)
        commit()
        raise PaystackError("Paystack worked out a different amount for this invoice; nothing was sent. "
                            "Please tell an administrator.", detail=f"created {created.get('amount')}")
    return row


def resolve_creating(row):
    """A `creating` row: find its request at Paystack (the create timed out after all) or mark it abandoned.

    A young row may belong to an attempt still waiting for Paystack's answer: refused, to avoid a twin.
    A request found paid (or failed) meanwhile is verified and booked, never offered again.
    """
    config = current_app.config
    patience = config["PAYSTACK_CONNECT_TIMEOUT"] + config["PAYSTACK_READ_TIMEOUT"] + 5
    if row.created_at > utcnow() - timedelta(seconds=patience):
        raise RequestInProgress(BEING_PREPARED)
    found = _find_at_paystack(row)
    if found is None:
        requests_.set_status(row, R.ABANDONED, note="not found at Paystack after a create that was not confirmed")
    else:
        log.info("payment request %s: the unconfirmed create did happen (%s)", row.id, found.get("request_code"))
        requests_.link(row, found)
        if found.get("status") != "pending":
            retire_request(row)
    db.session.flush()


def _find_at_paystack(row):
    patient = row.invoice.patient
    items, _meta = get_client().list_payment_requests(
        customer=patient.paystack_customer_id or patient.paystack_customer_code, currency=row.currency,
        perPage=LOOKUP_PAGE_SIZE,
    )
    marker = requests_.DESK_REF.format(id=row.id)
    return next(
        (item for item in items
         if marker in re.findall(r"desk ref PR-\d+", str(item.get("description") or ""))
         and as_int(item.get("amount")) == row.amount_minor),
        None,
    )
