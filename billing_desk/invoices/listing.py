"""The invoice list's query: its filters and its keyset pages (newest first, by primary key)."""
import re
from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from billing_desk.extensions import db
from billing_desk.models import Invoice, Patient
from billing_desk.timeutil import day_start_utc

PER_PAGE = 25
NUMBER_PREFIX = "INV-"
FULL_NUMBER = re.compile(r"INV-\d{4}-\d{6}", re.IGNORECASE)


def filtered(form, patient_id=None):
    """The list query: indexed columns only, newest first by primary key (fast on millions of rows)."""
    query = select(Invoice).options(joinedload(Invoice.patient))
    if form.status.data:
        query = query.where(Invoice.status == form.status.data)
    if patient_id:
        query = query.where(Invoice.patient_id == patient_id)
    if form.created_from.data:
        query = query.where(Invoice.created_at >= day_start_utc(form.created_from.data))
    if form.created_to.data:
        query = query.where(Invoice.created_at < day_start_utc(form.created_to.data + timedelta(days=1)))
    q = form.q.data
    if FULL_NUMBER.fullmatch(q or ""):  # equality uses the unique index; a prefix search may scan
        query = query.where(Invoice.number == q.upper())
    elif q and q.upper().startswith(NUMBER_PREFIX):
        query = query.where(Invoice.number.startswith(q.upper(), autoescape=True))
    elif q:
        name = q.lower()
        patients = select(Patient.id).where(
            or_(
                Patient.mrn.in_({q, q.upper()}),
                func.lower(Patient.last_name).startswith(name, autoescape=True),
                func.lower(Patient.first_name).startswith(name, autoescape=True),
            )
        )
        query = query.where(Invoice.patient_id.in_(patients))
    return query.order_by(Invoice.id.desc())


def keyset_page(query, *, before=None, after=None):
    """A page of the newest-first list, by id: older than `before`, newer than `after` (ids), else the newest.

    Keyset paging, not OFFSET: page 10,000 costs what page 1 does, because the database starts from the
    primary key instead of reading and skipping every row above. One row more than a page says whether
    there is more, without counting millions of rows. Returns (rows, newer_after, older_before): the
    arguments of the links to the neighbouring pages, None where there is none.
    """
    if after:
        found = list(db.session.scalars(
            query.where(Invoice.id > after).order_by(None).order_by(Invoice.id.asc()).limit(PER_PAGE + 1)).unique())
        rows = found[:PER_PAGE][::-1]
        return rows, (rows[0].id if len(found) > PER_PAGE else None), (rows[-1].id if rows else after + 1)
    if before:
        query = query.where(Invoice.id < before)
    found = list(db.session.scalars(query.limit(PER_PAGE + 1)).unique())
    rows = found[:PER_PAGE]
    newer = (rows[0].id if rows else before - 1) if before else None
    return rows, newer, (rows[-1].id if len(found) > PER_PAGE else None)
