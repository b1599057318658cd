"""The audit log page's query and wording: which rows a filter selects, and how a row reads in words."""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from billing_desk.billing.money import format_money, to_major_text
from billing_desk.bounds import parse_id
from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Invoice, Patient
from billing_desk.timeutil import day_start_utc



class NotFound(ValueError):
    """A typed invoice or patient that names no record; the message is for the filter field."""


def _by_key_or_id(model, key_column, typed, what):
    """The id of the record whose key (invoice number, MRN) is `typed`, else of the record with that id."""
    found = db.session.scalar(select(model.id).where(key_column == typed.upper()))
    if found is None and typed.upper() != typed:
        found = db.session.scalar(select(model.id).where(key_column == typed))
    if found is None and parse_id(typed) is not None:
        found = db.session.scalar(select(model.id).where(model.id == parse_id(typed)))
    if found is None:
        raise NotFound(f"There is no {what} “{typed}”.")
    return found


def invoice_id_for(typed):
    return _by_key_or_id(Invoice, Invoice.number, typed, "invoice")


def patient_id_for(typed):
    return _by_key_or_id(Patient, Patient.mrn, typed, "patient")


@dataclass(frozen=True)
class Filters:
    invoice_id: int | None = None
    patient_id: int | None = None
    actor: str = ""  # "" anyone, "system", or a staff id
    action: str = ""
    date_from: object = None
    date_to: object = None


def query(filters):
    """Newest first; each filter matches one of the (column, created_at) indexes of `audit_entries`."""
    statement = select(AuditEntry).options(joinedload(AuditEntry.actor))
    if filters.invoice_id is not None:
        statement = statement.where(AuditEntry.invoice_id == filters.invoice_id)
    if filters.patient_id is not None:
        statement = statement.where(AuditEntry.patient_id == filters.patient_id)
    if filters.actor == "system":
        statement = statement.where(AuditEntry.actor_id.is_(None))
    elif filters.actor:
        statement = statement.where(AuditEntry.actor_id == int(filters.actor))
    if filters.action:
        statement = statement.where(AuditEntry.action == filters.action)
    if filters.date_from:
        statement = statement.where(AuditEntry.created_at >= day_start_utc(filters.date_from))
    if filters.date_to:
        statement = statement.where(AuditEntry.created_at < day_start_utc(filters.date_to + timedelta(days=1)))
    return statement.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def _shown(value):
    if value is None or value == "":
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, (dict, list)):
        return ", ".join(map(_shown, value.values() if isinstance(value, dict) else value)) or "—"
    return str(value)


def _amount(value, currency):
    """Minor units as money: "₦19,250.50" with a currency, "19250.50" when the row names none."""
    if not isinstance(value, int) or isinstance(value, bool):
        return _shown(value)
    return format_money(value, currency) if currency else to_major_text(value)


def changes(entry, invoice_currency=None):
    """(field, before, after) in words for the fields that differ; a creation lists every field it set.

    Fields kept in minor units (`amount_paid_minor`) read as money in the row's own currency, or else the
    currency of the invoice the row is about, and are named without the unit ("Amount paid").
    """
    before, after = entry.before or {}, entry.after or {}
    currency = after.get("currency") or before.get("currency") or invoice_currency
    rows = []
    for name in (*before, *(key for key in after if key not in before)):
        old, new = before.get(name), after.get(name)
        if name in before and name in after and old == new:
            continue
        is_money = name.endswith("_minor")
        label = name.removesuffix("_minor").replace("_", " ").capitalize()
        show = (lambda value: _amount(value, currency)) if is_money else _shown
        rows.append((label, show(old) if name in before else None, show(new) if name in after else None))
    return rows


def linked_records(entries):
    """Invoices (number, currency) and patients for the entries on one page (two small queries, not one per row)."""
    invoice_ids = {entry.invoice_id for entry in entries if entry.invoice_id}
    patient_ids = {entry.patient_id for entry in entries if entry.patient_id}
    invoices = {
        row.id: row for row in db.session.execute(
            select(Invoice.id, Invoice.number, Invoice.currency).where(Invoice.id.in_(invoice_ids))
        )
    } if invoice_ids else {}
    patients = {
        patient.id: patient for patient in db.session.scalars(select(Patient).where(Patient.id.in_(patient_ids)))
    } if patient_ids else {}
    return invoices, patients
