"""Invoice rules: drafts with lines and discounts, issuing with a gap-free number, voiding.

Every function flushes and audits but never commits: the caller's transaction decides. Totals are computed
here, in integer minor units, from the lines a caller passes; nothing stored is trusted to be a total.
Rule violations raise `InvoiceRefused` with a message fit for a cashier and, where a single input is at
fault, `problems` naming it so a form can put the message next to that field.
"""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from billing_desk import audit, integrations
from billing_desk.billing.locks import lock_invoice
from billing_desk.billing import numbering, states
from billing_desk.billing.money import CURRENCIES, MAX_AMOUNT_MINOR, format_money, percent_of
from billing_desk.extensions import db
from billing_desk.models import Invoice, InvoiceLine, Patient, Service
from billing_desk.timeutil import local_day_of, local_today, utcnow

MAX_QUANTITY = 10_000
MAX_LINES = 50
MAX_DESCRIPTION = 200
MAX_NOTES = 2_000
MAX_VOID_REASON = 500
SNAPSHOT_FIELDS = (
    "status", "number", "currency", "due_date", "notes",
    "subtotal_minor", "invoice_discount_minor", "discount_minor", "total_minor",
)
STATE_FIELDS = ("status", "number", "issued_at", "voided_at", "void_reason", "amount_paid_minor")
LINE_FIELDS = ("service_id", "description", "quantity", "unit_price_minor", "discount_minor", "line_total_minor")


@dataclass(frozen=True)
class LineInput:
    """One line as typed: `unit_price_minor` None on a service line means "the price list's price"."""

    description: str
    quantity: int
    unit_price_minor: int | None
    discount_minor: int = 0
    service_id: int | None = None


@dataclass(frozen=True)
class Problem:
    """What is wrong with one input: `field` is an invoice field, or a line field when `line` is its index."""

    field: str
    message: str
    line: int | None = None


class InvoiceRefused(ValueError):
    """The invoice change is not allowed; the message is fit to show a cashier."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = tuple(problems)


class InvoiceConflict(InvoiceRefused):
    """The invoice's status forbids the change (e.g. editing an issued invoice, voiding a paid one)."""


def _refuse(problems):
    if problems:
        raise InvoiceRefused(problems[0].message, problems)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check_amount(value, field, line, problems, *, allow_zero):
    if not _is_int(value):
        problems.append(Problem(field, "The amount must be a whole number of minor units.", line))
    elif value < 0:
        problems.append(Problem(field, "The amount cannot be negative.", line))
    elif value == 0 and not allow_zero:
        problems.append(Problem(field, "The amount must be more than zero.", line))
    elif value > MAX_AMOUNT_MINOR:
        problems.append(Problem(field, "That amount is too large.", line))


def _services_by_id(lines):
    ids = {line.service_id for line in lines if _is_int(line.service_id) and 0 < line.service_id < 2**31}
    if not ids:
        return {}
    return {s.id: s for s in db.session.scalars(select(Service).where(Service.id.in_(ids)))}


def _build_line(index, line, service, currency, problems):
    """Check one `LineInput` and turn it into an `InvoiceLine`, or add problems and return None."""
    start = len(problems)
    if line.service_id is not None:
        if service is None or not service.active:
            problems.append(Problem("service", "That service is not on the price list.", index))
        elif service.currency != currency:
            problems.append(Problem(
                "service",
                f"{service.name} is priced in {service.currency}; this invoice is in {currency}.",
                index,
            ))
    if len(problems) > start:
        return None
    description = (line.description or "").strip() or (service.name if service else "")
    unit_price = line.unit_price_minor if line.unit_price_minor is not None or service is None else (
        service.unit_price_minor
    )
    if not description:
        problems.append(Problem("description", "Describe the item or pick a service.", index))
    elif len(description) > MAX_DESCRIPTION:
        problems.append(Problem("description", f"Use at most {MAX_DESCRIPTION} characters.", index))
    if not _is_int(line.quantity) or not 1 <= line.quantity <= MAX_QUANTITY:
        problems.append(Problem("quantity", f"The quantity must be a whole number from 1 to {MAX_QUANTITY}.", index))
    if unit_price is None:
        problems.append(Problem("unit_price", "Enter the unit price.", index))
    else:
        _check_amount(unit_price, "unit_price", index, problems, allow_zero=False)
    _check_amount(line.discount_minor, "discount", index, problems, allow_zero=True)
    if len(problems) > start:
        return None
    gross = line.quantity * unit_price
    if line.discount_minor > gross:
        problems.append(Problem(
            "discount", f"The discount cannot be more than the line's {format_money(gross, currency)}.", index
        ))
        return None
    if gross - line.discount_minor > MAX_AMOUNT_MINOR:
        problems.append(Problem("quantity", "That line comes to more than any invoice can be.", index))
        return None
    return InvoiceLine(
        position=index,
        service_id=service.id if service else None,
        description=description,
        quantity=line.quantity,
        unit_price_minor=unit_price,
        discount_minor=line.discount_minor,
        line_total_minor=gross - line.discount_minor,
    )


def _check_discount_limit(built, lines, invoice_discount, currency, max_discount_bp, problems):
    """Cashiers may give at most `max_discount_bp` of the amount before discounts, line and invoice together."""
    if max_discount_bp is None:
        return
    gross = sum(line.quantity * line.unit_price_minor for line in built)
    allowed = percent_of(gross, max_discount_bp)
    if sum(line.discount_minor for line in built) + invoice_discount <= allowed:
        return
    message = (
        f"Cashiers may discount at most {max_discount_bp / 100:g}% of the invoice "
        f"({format_money(allowed, currency)}); ask an administrator for more."
    )
    if invoice_discount:
        problems.append(Problem("invoice_discount", message))
    else:
        index = next(i for i, line in enumerate(lines) if line.discount_minor)
        problems.append(Problem("discount", message, index))


def _priced_lines(*, currency, lines, invoice_discount_minor, notes, max_discount_bp):
    """Validate everything and return (InvoiceLines, subtotal, cleaned notes), or raise with every problem."""
    problems = []
    if currency not in CURRENCIES:
        problems.append(Problem("currency", f"Currency must be one of {', '.join(CURRENCIES)}."))
        _refuse(problems)
    lines = list(lines)
    if len(lines) > MAX_LINES:
        problems.append(Problem("lines", f"An invoice can have at most {MAX_LINES} lines."))
        _refuse(problems)
    services = _services_by_id(lines)
    built = [
        _build_line(index, line, services.get(line.service_id), currency, problems)
        for index, line in enumerate(lines)
    ]
    _check_amount(invoice_discount_minor, "invoice_discount", None, problems, allow_zero=True)
    notes = (notes or "").strip() or None
    if notes and len(notes) > MAX_NOTES:
        problems.append(Problem("notes", f"Use at most {MAX_NOTES} characters."))
    _refuse(problems)
    subtotal = sum(line.line_total_minor for line in built)
    if subtotal > MAX_AMOUNT_MINOR:
        problems.append(Problem("lines", "The lines come to more than any invoice can be."))
    elif invoice_discount_minor > subtotal:
        problems.append(Problem(
            "invoice_discount",
            f"The invoice discount cannot be more than the subtotal of {format_money(subtotal, currency)}.",
        ))
    else:
        _check_discount_limit(built, lines, invoice_discount_minor, currency, max_discount_bp, problems)
    _refuse(problems)
    return built, subtotal, notes


def _apply(invoice, *, currency, due_date, lines, invoice_discount_minor, notes, max_discount_bp):
    built, subtotal, notes = _priced_lines(
        currency=currency, lines=lines, invoice_discount_minor=invoice_discount_minor, notes=notes,
        max_discount_bp=max_discount_bp,
    )
    invoice.currency = currency
    invoice.due_date = due_date
    invoice.notes = notes
    invoice.lines.clear()
    invoice.lines.extend(built)
    invoice.invoice_discount_minor = invoice_discount_minor
    invoice.subtotal_minor = subtotal
    invoice.discount_minor = sum(line.discount_minor for line in built) + invoice_discount_minor
    invoice.total_minor = subtotal - invoice_discount_minor


def _check_due_date(due_date):
    if due_date is not None and due_date < local_today():
        _refuse([Problem("due_date", "The due date cannot be in the past.")])


def snapshot(invoice):
    """The invoice and its lines as JSON, for audit rows."""
    return {
        **audit.snapshot(invoice, SNAPSHOT_FIELDS),
        "lines": [audit.snapshot(line, LINE_FIELDS) for line in invoice.lines],
    }


def _audit(action, invoice, before, after, actor_id):
    audit.record(action, invoice, before=before, after=after, actor_id=actor_id, invoice_id=invoice.id,
                 patient_id=invoice.patient_id)


def _locked(invoice_id):
    """The invoice, row-locked and re-read, so a concurrent issue or payment cannot slip in between."""
    invoice = lock_invoice(invoice_id)
    if invoice is None:
        raise InvoiceRefused("That invoice does not exist.")
    return invoice


def create_draft(patient_id, *, currency, due_date, lines, invoice_discount_minor=0, notes=None, created_by_id,
                 submission_key=None, max_discount_bp=None):
    """A new draft invoice; a repeated `submission_key` returns the invoice the first submission made.

    `max_discount_bp` is the cashier's discount limit (None for administrators: no limit).
    """
    if submission_key:
        existing = db.session.scalar(select(Invoice).where(Invoice.submission_key == submission_key))
        if existing is not None:
            return existing
    if db.session.get(Patient, patient_id) is None:
        _refuse([Problem("patient", "That patient does not exist.")])
    _check_due_date(due_date)
    invoice = Invoice(patient_id=patient_id, created_by_id=created_by_id, submission_key=submission_key or None)
    _apply(invoice, currency=currency, due_date=due_date, lines=lines,
           invoice_discount_minor=invoice_discount_minor, notes=notes, max_discount_bp=max_discount_bp)
    try:
        with db.session.begin_nested():
            db.session.add(invoice)
            db.session.flush()
    except IntegrityError:
        # The same form was submitted twice at once; the other request's insert won.
        existing = db.session.scalar(select(Invoice).where(Invoice.submission_key == submission_key))
        if submission_key is None or existing is None:
            raise
        return existing
    _audit("invoice.created", invoice, None, snapshot(invoice), created_by_id)
    return invoice


def update_draft(invoice_id, *, currency, due_date, lines, invoice_discount_minor=0, notes=None, actor_id,
                 max_discount_bp=None):
    """Replace a draft's lines, discounts and details. Issued invoices are read-only."""
    invoice = _locked(invoice_id)
    if not invoice.is_editable:
        raise InvoiceConflict(
            f"This invoice is {states.LABELS[invoice.status].lower()} and can no longer be changed."
        )
    if due_date != invoice.due_date:
        _check_due_date(due_date)
    before = snapshot(invoice)
    _apply(invoice, currency=currency, due_date=due_date, lines=lines,
           invoice_discount_minor=invoice_discount_minor, notes=notes, max_discount_bp=max_discount_bp)
    db.session.flush()
    _audit("invoice.updated", invoice, before, snapshot(invoice), actor_id)
    return invoice


def issue_invoice(invoice_id, *, actor_id):
    """Issue a draft: it takes the next number of the year and becomes read-only and payable."""
    invoice = _locked(invoice_id)
    if not states.can_move(invoice.status, states.S.ISSUED):
        raise InvoiceConflict(f"This invoice is {states.LABELS[invoice.status].lower()}; only a draft can be issued.")
    if not invoice.lines:
        raise InvoiceRefused("Add at least one line before issuing the invoice.")
    if invoice.total_minor <= 0:
        raise InvoiceRefused("An invoice with a total of zero cannot be issued.")
    before = audit.snapshot(invoice, STATE_FIELDS)
    now = utcnow()
    states.move(invoice, states.S.ISSUED)
    invoice.number = numbering.next_invoice_number(local_day_of(now).year)  # the hospital's year, not UTC's
    invoice.issued_at = now
    invoice.issued_by_id = actor_id
    db.session.flush()
    _audit("invoice.issued", invoice, before, audit.snapshot(invoice, STATE_FIELDS), actor_id)
    integrations.emit("invoice.issued", invoice)
    return invoice


def _has_money(invoice):
    return bool(invoice.amount_paid_minor or invoice.amount_refunded_minor or invoice.payments)


def can_void(invoice):
    """Whether `void_invoice` would accept this invoice (a reason aside): nothing paid, draft or issued."""
    return not _has_money(invoice) and states.can_move(invoice.status, states.S.VOID)


def void_invoice(invoice_id, *, reason, actor_id):
    """Cancel a draft or an issued invoice on which nothing has been paid; an issued one keeps its number."""
    reason = (reason or "").strip()
    if not reason:
        _refuse([Problem("reason", "Give the reason for voiding.")])
    if len(reason) > MAX_VOID_REASON:
        _refuse([Problem("reason", f"Use at most {MAX_VOID_REASON} characters.")])
    invoice = _locked(invoice_id)
    if _has_money(invoice):
        raise InvoiceConflict("Money has been taken on this invoice, so it cannot be voided; refund it instead.")
    if not states.can_move(invoice.status, states.S.VOID):
        raise InvoiceConflict(f"This invoice is {states.LABELS[invoice.status].lower()} and cannot be voided.")
    before = audit.snapshot(invoice, STATE_FIELDS)
    states.move(invoice, states.S.VOID)
    invoice.void_reason = reason
    invoice.voided_at = utcnow()
    invoice.voided_by_id = actor_id
    db.session.flush()
    _audit("invoice.voided", invoice, before, audit.snapshot(invoice, STATE_FIELDS), actor_id)
    integrations.emit("invoice.voided", invoice)
    return invoice
