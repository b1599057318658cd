"""What the cashier's home shows, read in a few small queries; nothing here writes."""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from billing_desk.billing.states import PAYABLE
from billing_desk.extensions import db
from billing_desk.models import Invoice, Patient, Terminal, TerminalPush
from billing_desk.paystack.pushes import PushStatus
from billing_desk.shifts.service import open_shift_of, totals_rows
from billing_desk.timeutil import utcnow

WAITING_SHOWN = 10
RECENT_PATIENTS_SHOWN = 8


@dataclass(frozen=True)
class TerminalState:
    terminal: Terminal
    words: str


def waiting_invoices(limit=WAITING_SHOWN):
    """Issued invoices not yet fully paid, the most recently issued first."""
    return db.session.scalars(
        select(Invoice).options(joinedload(Invoice.patient))
        .where(Invoice.status.in_([status.value for status in PAYABLE]))
        .order_by(Invoice.issued_at.desc(), Invoice.id.desc()).limit(limit)
    ).all()


def terminal_states():
    """The terminals in use and what each is doing, from the app's own records (no call to Paystack)."""
    terminals = db.session.scalars(select(Terminal).where(Terminal.active.is_(True)).order_by(Terminal.name)).all()
    charging = {}
    if terminals:
        rows = db.session.execute(
            select(TerminalPush.terminal_id, Invoice.number).join(Invoice, Invoice.id == TerminalPush.invoice_id)
            .where(TerminalPush.terminal_id.in_([t.id for t in terminals]),
                   TerminalPush.status == PushStatus.SENT,
                   (TerminalPush.expires_at.is_(None)) | (TerminalPush.expires_at > utcnow()))
            .order_by(TerminalPush.id)
        )
        charging = dict(rows.all())
    return [
        TerminalState(t, f"Busy — charging invoice {charging[t.id]}" if t.id in charging else "Free")
        for t in terminals
    ]


def recent_patients(staff_id, limit=RECENT_PATIENTS_SHOWN):
    """Patients whose invoices this staff member made most recently, newest first."""
    latest = (
        select(Invoice.patient_id, func.max(Invoice.id).label("last_invoice"))
        .where(Invoice.created_by_id == staff_id).group_by(Invoice.patient_id).subquery()
    )
    return db.session.scalars(
        select(Patient).join(latest, latest.c.patient_id == Patient.id)
        .order_by(latest.c.last_invoice.desc()).limit(limit)
    ).all()


def my_day(staff_id):
    """Everything the home page shows for one staff member."""
    shift = open_shift_of(staff_id)
    return {
        "shift": shift,
        "takings": totals_rows(shift) if shift else [],
        "waiting": waiting_invoices(),
        "terminals": terminal_states(),
        "recent_patients": recent_patients(staff_id),
    }
