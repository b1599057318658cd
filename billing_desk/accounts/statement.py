"""The statement of account: every invoice, payment, refund, deposit and credit of one patient in one currency,
with a running balance.

The balance is what the patient owes the hospital less what the hospital holds for them: an issued invoice
adds its total (a void takes it off again), money received takes it down, money given back from the account
puts it up. Two kinds of line move nothing and are shown for the record: paying an invoice from the deposit
(the money was counted when it was deposited) and a refund of an invoice payment (refunded money is not owed
again, so the invoice's balance due stays as it was). So at any moment the balance equals the issued invoices'
balances due minus the account balance, which `tests/accounts/test_statement.py` checks.
A patient's records are few, so the lines are built in Python from a handful of indexed queries.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from billing_desk.accounts import ledger
from billing_desk.extensions import db
from billing_desk.models import AccountEntry, Invoice, Payment, Refund
from billing_desk.models.payment import channel_label
from billing_desk.timeutil import days_span_utc


@dataclass(frozen=True)
class Line:
    at: datetime
    description: str
    charge_minor: int = 0  # raises what is owed
    credit_minor: int = 0  # lowers it
    memo_minor: int = 0  # shown, moves nothing
    balance_minor: int = 0

    @property
    def effect(self):
        return self.charge_minor - self.credit_minor


@dataclass
class Statement:
    patient: object
    currency: str
    first: date
    last: date
    opening_minor: int = 0
    lines: list = field(default_factory=list)

    @property
    def closing_minor(self):
        return self.lines[-1].balance_minor if self.lines else self.opening_minor


def _invoice_lines(patient_id, currency, end):
    invoices = db.session.scalars(select(Invoice).where(
        Invoice.patient_id == patient_id, Invoice.currency == currency, Invoice.issued_at.is_not(None),
        Invoice.issued_at < end)).all()
    for invoice in invoices:
        yield Line(invoice.issued_at, f"Invoice {invoice.number}", charge_minor=invoice.total_minor)
        if invoice.voided_at is not None and invoice.voided_at < end:
            yield Line(invoice.voided_at, f"Invoice {invoice.number} voided", credit_minor=invoice.total_minor)


def _payment_lines(patient_id, currency, end):
    rows = db.session.execute(
        select(Payment, Invoice.number).join(Invoice, Payment.invoice_id == Invoice.id)
        .where(Invoice.patient_id == patient_id, Payment.currency == currency, Payment.paid_at < end)).all()
    for payment, number in rows:
        if payment.channel == "deposit":
            yield Line(payment.paid_at, f"Invoice {number} paid from the deposit", memo_minor=payment.amount_minor)
        else:
            yield Line(payment.paid_at, f"Payment on invoice {number} — {channel_label(payment.channel)}",
                       credit_minor=payment.amount_minor)
    refunds = db.session.execute(
        select(Refund, Invoice.number).join(Invoice, Refund.invoice_id == Invoice.id)
        .where(Invoice.patient_id == patient_id, Refund.currency == currency, Refund.status == "processed",
               Refund.processed_at < end)).all()
    for refund, number in refunds:
        yield Line(refund.processed_at, f"Refund on invoice {number} (not owed again)", memo_minor=refund.amount_minor)


def _account_lines(patient_id, currency, end):
    entries = db.session.scalars(select(AccountEntry).where(
        AccountEntry.patient_id == patient_id, AccountEntry.currency == currency,
        AccountEntry.kind != ledger.APPLIED, AccountEntry.created_at < end)).all()
    for entry in entries:
        how = f" — {channel_label(entry.channel)}" if entry.channel else ""
        if entry.kind == ledger.REFUND:
            yield Line(entry.created_at, f"Deposit refunded{how}", charge_minor=entry.amount_minor)
        else:
            yield Line(entry.created_at, f"{ledger.KIND_LABELS[entry.kind]}{how}", credit_minor=entry.amount_minor)


def build_statement(patient, currency, first, last):
    """The statement for the hospital's days `first`..`last` (both included), with its opening balance."""
    start, end = days_span_utc(first, last)
    events = sorted(
        (*_invoice_lines(patient.id, currency, end), *_payment_lines(patient.id, currency, end),
         *_account_lines(patient.id, currency, end)),
        key=lambda line: line.at,
    )
    statement = Statement(patient, currency, first, last)
    statement.opening_minor = sum(line.effect for line in events if line.at < start)
    balance = statement.opening_minor
    for line in events:
        if line.at >= start:
            balance += line.effect
            statement.lines.append(Line(line.at, line.description, line.charge_minor, line.credit_minor,
                                        line.memo_minor, balance))
    return statement
