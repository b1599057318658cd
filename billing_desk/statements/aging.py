"""Aging: outstanding invoice balances by patient and currency in buckets of days past due — one SQL aggregate.

An invoice is outstanding while it can take payments (issued or partially paid); its balance is
total − paid − refunded (as `Invoice.balance_due_minor`). It is due on its due date, or on the day it was issued
when it has none. Bucket edges are days past due: 1–30, 31–60, 61–90 and more than 90, with "not yet due"
before them (0–30 in the report's heading means up to 30 days late). The buckets are compared with dates worked
out in Python, so the query is the same on PostgreSQL and SQLite and groups in the database: 100k patients'
invoices never come into Python, only one page of totals does.
"""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Date, case, cast, func, select

from billing_desk.billing.states import PAYABLE
from billing_desk.extensions import db
from billing_desk.models import Invoice, Patient

BUCKETS = ("not_due", "d0_30", "d31_60", "d61_90", "d90_plus")
BUCKET_LABELS = {"not_due": "Not yet due", "d0_30": "0–30 days", "d31_60": "31–60 days", "d61_90": "61–90 days",
                 "d90_plus": "Over 90 days"}
PER_PAGE = 100


@dataclass(frozen=True)
class AgingRow:
    patient_id: int
    mrn: str
    name: str
    currency: str
    not_due: int
    d0_30: int
    d31_60: int
    d61_90: int
    d90_plus: int

    @property
    def total(self):
        return sum(getattr(self, bucket) for bucket in BUCKETS)


def _due_day():
    issued_day = (func.date(Invoice.issued_at) if db.engine.dialect.name == "sqlite"
                  else cast(Invoice.issued_at, Date))
    return func.coalesce(Invoice.due_date, issued_day)


def _bucket_sums(today):
    """SUM(balance) per bucket, the bucket picked by comparing the due day with dates counted back from today."""
    due = _due_day()
    bucket = case(
        (due >= today, "not_due"),
        (due >= today - timedelta(days=30), "d0_30"),
        (due >= today - timedelta(days=60), "d31_60"),
        (due >= today - timedelta(days=90), "d61_90"),
        else_="d90_plus",
    )
    balance = Invoice.total_minor - Invoice.amount_paid_minor - Invoice.amount_refunded_minor
    return [func.coalesce(func.sum(case((bucket == name, balance), else_=0)), 0).label(name) for name in BUCKETS]


def _outstanding():
    return (Invoice.status.in_([s.value for s in PAYABLE]),
            Invoice.total_minor - Invoice.amount_paid_minor - Invoice.amount_refunded_minor > 0)


def aging_rows(today, *, page=1, per_page=PER_PAGE):
    """One page of patients with something outstanding, the largest total first."""
    sums = _bucket_sums(today)
    grouped = (select(Invoice.patient_id, Invoice.currency, *sums).where(*_outstanding())
               .group_by(Invoice.patient_id, Invoice.currency).subquery())
    total = sum(grouped.c[bucket] for bucket in BUCKETS)
    query = (select(grouped, Patient.mrn, Patient.first_name, Patient.last_name)
             .join(Patient, Patient.id == grouped.c.patient_id)
             .order_by(total.desc(), grouped.c.patient_id).limit(per_page).offset((page - 1) * per_page))
    return [_row(r) for r in db.session.execute(query).mappings()]


def all_aging_rows(today, *, batch=2000):
    """Every row, a page at a time (for the CSV)."""
    page = 1
    while rows := aging_rows(today, page=page, per_page=batch):
        yield from rows
        page += 1


def _row(found):
    return AgingRow(found["patient_id"], found["mrn"], f"{found['first_name']} {found['last_name']}",
                    found["currency"], *(int(found[bucket]) for bucket in BUCKETS))


def totals_by_currency(today):
    """{currency: {bucket: minor units}} over every outstanding invoice, and the patients counted."""
    query = (select(Invoice.currency, func.count(func.distinct(Invoice.patient_id)).label("patients"),
                    *_bucket_sums(today)).where(*_outstanding()).group_by(Invoice.currency).order_by(Invoice.currency))
    return {r["currency"]: {"patients": r["patients"], **{b: int(r[b]) for b in BUCKETS}}
            for r in db.session.execute(query).mappings()}


def patients_with_balance(today):
    return db.session.scalar(select(func.count()).select_from(
        select(Invoice.patient_id, Invoice.currency).where(*_outstanding())
        .group_by(Invoice.patient_id, Invoice.currency).subquery()))
