"""Gap-free invoice numbers per year, e.g. INV-2026-000042.

The year's counter row is locked (`SELECT … FOR UPDATE` on PostgreSQL; SQLite serialises writers) and
incremented in the issuing transaction, so two cashiers issuing at once get consecutive numbers and a
rolled-back issue gives its number back.
"""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from billing_desk.extensions import db
from billing_desk.models import InvoiceSequence


def format_number(year, number):
    return f"INV-{year}-{number:06d}"


def _locked_sequence(year):
    # populate_existing: a row already in the session must take the value read under the lock, not keep a
    # stale `last_number` that would hand out a number twice.
    return db.session.execute(
        select(InvoiceSequence)
        .where(InvoiceSequence.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def next_invoice_number(year):
    """Take the year's next number inside the caller's transaction (the lock is held until it ends)."""
    sequence = _locked_sequence(year)
    if sequence is None:
        try:
            with db.session.begin_nested():
                db.session.add(InvoiceSequence(year=year, last_number=0))
        except IntegrityError:
            pass  # another transaction created the year's row first; lock theirs
        sequence = _locked_sequence(year)
    sequence.last_number += 1
    return format_number(year, sequence.last_number)
