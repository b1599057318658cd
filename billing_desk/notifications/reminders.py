"""Payment reminders: past-due invoices with a balance get an email every REMINDER_INTERVAL_DAYS, at most
REMINDER_MAX_COUNT times. Whether the invoice is still payable is checked again when each one is sent."""
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from billing_desk.billing.states import PAYABLE
from billing_desk.extensions import db
from billing_desk.models import EmailOutbox, Invoice, Patient
from billing_desk.notifications.outbox import queue_reminder_email
from billing_desk.notifications.settings import setting
from billing_desk.timeutil import utcnow


def due_invoices(now):
    """Invoices that owe a reminder at `now`: payable, past due, the patient has an email, fewer than the
    maximum reminders so far and none in the last interval. (An invoice due "on receipt" — no due date — is
    past due from the day after it was issued.)"""
    start_of_today = datetime.combine(now.date(), time.min)
    config = current_app.config
    reminders = (
        select(
            EmailOutbox.invoice_id,
            func.count(EmailOutbox.id).label("sent"),
            func.max(EmailOutbox.created_at).label("last_at"),
        )
        .where(EmailOutbox.kind == "reminder")
        .group_by(EmailOutbox.invoice_id)
        .subquery()
    )
    return db.session.scalars(
        select(Invoice)
        .join(Patient, Patient.id == Invoice.patient_id)
        .outerjoin(reminders, reminders.c.invoice_id == Invoice.id)
        .where(
            Invoice.status.in_([status.value for status in PAYABLE]),
            or_(
                Invoice.due_date < now.date(),
                and_(Invoice.due_date.is_(None), Invoice.issued_at < start_of_today),
            ),
            Patient.email.is_not(None),
            Patient.email != "",
            or_(
                reminders.c.sent.is_(None),
                and_(
                    reminders.c.sent < config["REMINDER_MAX_COUNT"],
                    reminders.c.last_at <= now - timedelta(days=config["REMINDER_INTERVAL_DAYS"]),
                ),
            ),
        )
        .order_by(Invoice.id)
        .limit(setting("EMAIL_SWEEP_BATCH"))
    ).unique().all()


def queue_due_reminders(now=None):
    """Queue the reminders due at `now` (default: now); returns the new rows. Flushes — the caller commits
    and dispatches (`sweep.run_notification_sweep` does both)."""
    now = now or utcnow()
    rows = []
    for invoice in due_invoices(now):
        row = queue_reminder_email(invoice, now=now)
        if row is not None:
            rows.append(row)
    return rows
