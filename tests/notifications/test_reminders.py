"""Payment reminders: interval, maximum count, and stopping once the invoice is paid or void."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from billing_desk.billing.invoices import void_invoice
from billing_desk.extensions import db
from billing_desk.models import EmailOutbox, PaymentRequest
from billing_desk.notifications import outbox, tasks
from billing_desk.notifications.reminders import queue_due_reminders
from billing_desk.notifications.sweep import run_notification_sweep
from billing_desk.timeutil import utcnow
from tests.factories import hospital_today, make_issued_invoice, make_patient
from tests.notifications.helpers import emailable_invoice, parts, pay, public_path
from tests.notifications.support import PAY_URL_BASE


def overdue_invoice(**fields):
    invoice = emailable_invoice(**fields)
    invoice.due_date = hospital_today() - timedelta(days=3)
    db.session.commit()
    return invoice


def reminders(invoice):
    return db.session.scalars(
        select(EmailOutbox).where(EmailOutbox.invoice_id == invoice.id, EmailOutbox.kind == "reminder")
        .order_by(EmailOutbox.id)
    ).all()


def payment_requests(invoice):
    return db.session.scalars(
        select(PaymentRequest).where(PaymentRequest.invoice_id == invoice.id).order_by(PaymentRequest.id)
    ).all()


def test_reminders_respect_the_interval_and_the_maximum(app, smtp_server, paystack_sandbox):
    app.config.update(REMINDER_INTERVAL_DAYS=7, REMINDER_MAX_COUNT=3)
    invoice = overdue_invoice()
    now = utcnow()

    assert run_notification_sweep(now).reminders == 1
    assert run_notification_sweep(now + timedelta(days=6)).reminders == 0
    assert run_notification_sweep(now + timedelta(days=7, minutes=1)).reminders == 1
    assert run_notification_sweep(now + timedelta(days=14, minutes=2)).reminders == 1
    assert run_notification_sweep(now + timedelta(days=60)).reminders == 0

    rows = reminders(invoice)
    assert [row.reminder_number for row in rows] == [1, 2, 3]
    assert all(row.status == "sent" for row in rows)
    assert len(smtp_server.messages) == 3
    message = smtp_server.messages[0]
    assert message["Subject"] == f"[TEST] St. Luke's General Hospital: reminder — invoice {invoice.number} is past due"
    text, html, [attachment] = parts(message)
    assert "past due" in text and "Pay online" in html
    assert attachment.get_content_type() == "application/pdf"
    assert "/p/" in public_path(text) and PAY_URL_BASE not in text  # the same signed link as the invoice email
    assert payment_requests(invoice) == [] and paystack_sandbox.calls() == []


def test_reminders_stop_once_paid_but_continue_after_a_part_payment(app, smtp_server, paystack_sandbox):
    part_paid, fully_paid = overdue_invoice(), overdue_invoice()
    now = utcnow()
    run_notification_sweep(now)
    pay(part_paid, 100000)
    pay(fully_paid, fully_paid.total_minor)

    run_notification_sweep(now + timedelta(days=8))

    assert len(reminders(part_paid)) == 2 and len(reminders(fully_paid)) == 1
    text = parts(smtp_server.messages[-1])[0]
    assert "₦6,500.00" in text
    # The reminder's link is the signed page, so it can never offer the old balance.
    assert "/p/" in public_path(text) and PAY_URL_BASE not in text


@pytest.mark.parametrize("settle", ["pay", "void"])
def test_a_queued_reminder_is_not_sent_once_the_invoice_is_settled(app, smtp_server, settle):
    invoice = overdue_invoice()
    [row] = queue_due_reminders()
    db.session.commit()
    if settle == "pay":
        pay(invoice, invoice.total_minor)
    else:
        void_invoice(invoice.id, reason="Entered twice", actor_id=None)
        db.session.commit()

    outbox.dispatch([row])

    db.session.refresh(row)
    assert row.status == "skipped" and smtp_server.messages == []
    assert ("settled" if settle == "pay" else "voided") in row.last_error
    assert tasks.send_outbox_email(row.id) == "skipped"


@pytest.mark.parametrize(
    "make",
    [
        lambda: emailable_invoice(),  # due today: not past due yet
        lambda: emailable_invoice(status="paid"),
        lambda: emailable_invoice(status="void"),
        lambda: make_issued_invoice(patient=make_patient(email=None)),
    ],
    ids=["not-yet-due", "paid", "void", "no-email"],
)
def test_no_reminder_when_not_owed(app, smtp_server, make):
    invoice = make()
    if invoice.due_date is None:
        invoice.due_date = hospital_today()
    if invoice.status != "issued" or invoice.patient.email is None:
        invoice.due_date = hospital_today() - timedelta(days=30)
    db.session.commit()

    assert queue_due_reminders() == []


def test_invoice_due_on_receipt_is_past_due_from_the_next_day(app):
    invoice = emailable_invoice()
    invoice.due_date = None
    db.session.commit()
    assert queue_due_reminders() == []

    invoice.issued_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert [row.invoice_id for row in queue_due_reminders()] == [invoice.id]


def test_the_sweep_sends_a_row_whose_job_was_lost(app, smtp_server):
    row = outbox.queue_invoice_email(emailable_invoice())
    db.session.commit()  # …and the process died before dispatch

    assert run_notification_sweep().requeued == 0  # too fresh: its job may still be on its way
    assert run_notification_sweep(utcnow() + timedelta(minutes=5)).requeued == 1

    db.session.refresh(row)
    assert row.status == "sent" and len(smtp_server.messages) == 1
