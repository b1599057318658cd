"""Sending over real SMTP on loopback: retries, refusals, at-most-once after a crash, receipts once per payment."""
import smtplib
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from billing_desk.extensions import db
from billing_desk.models import AuditEntry, EmailOutbox
from billing_desk.notifications import outbox, tasks
from billing_desk.notifications.sweep import run_notification_sweep
from billing_desk.timeutil import utcnow
from tests.notifications.helpers import emailable_invoice, parts, pay, post_signed_in, send_invoice_email
from tests.notifications.support import pdf_text


@pytest.fixture
def paid_for(app):
    """An invoice of ₦10,000 with ₦4,000 paid in cash, and that payment."""
    invoice = emailable_invoice(lines=((1000000, 1),))
    payment = pay(invoice, 400000, tendered_minor=500000)
    return invoice, payment


def test_smtp_down_then_back_sends_exactly_once(app, smtp_server):
    smtp_server.stop()
    invoice = emailable_invoice()

    row = send_invoice_email(invoice)

    assert row.status == "failed" and row.will_retry and row.attempts == 1
    assert "Could not connect to the mail server" in row.last_error
    assert row.next_attempt_at > utcnow() + timedelta(seconds=50)

    smtp_server.start()
    assert tasks.send_outbox_email(row.id) == "sent"
    assert tasks.send_outbox_email(row.id) == "sent"  # a duplicate job finds it sent
    db.session.refresh(row)
    assert row.attempts == 2 and row.last_error is None and row.next_attempt_at is None
    assert len(smtp_server.messages) == 1


def test_the_sweep_retries_when_the_retry_is_due(app, smtp_server):
    smtp_server.stop()
    row = send_invoice_email(emailable_invoice())
    smtp_server.start()

    assert run_notification_sweep().requeued == 0  # not due yet
    report = run_notification_sweep(now=utcnow() + timedelta(minutes=2))

    assert report.requeued == 1
    assert len(smtp_server.messages) == 1
    db.session.refresh(row)
    assert row.status == "sent"


def test_gives_up_after_the_last_attempt(app, smtp_server):
    app.config["EMAIL_MAX_ATTEMPTS"] = 2
    smtp_server.stop()
    row = send_invoice_email(emailable_invoice())

    assert tasks.send_outbox_email(row.id) == "failed"  # the 2nd and last try: no exception, no retry

    db.session.refresh(row)
    assert row.attempts == 2 and row.next_attempt_at is None and row.can_resend
    assert row.last_error.startswith("Gave up after 2 attempts.")
    assert outbox.due_for_retry(utcnow() + timedelta(days=1)) == []


def test_a_temporary_failure_raises_so_rq_retries(app, smtp_server):
    row = outbox.queue_invoice_email(emailable_invoice())
    db.session.commit()
    smtp_server.stop()

    with pytest.raises(Exception, match="Could not connect"):
        tasks.send_outbox_email(row.id)


@pytest.mark.parametrize(
    "refusal, will_retry",
    [
        ({"refuse_rcpt": "550 5.1.1 No such user"}, False),
        ({"refuse_rcpt": "450 4.2.1 Mailbox busy"}, True),
        ({"refuse_data": "451 4.3.0 Try again later"}, True),
        ({"refuse_data": "554 5.7.1 Message rejected"}, False),
    ],
)
def test_server_refusals(app, smtp_server, refusal, will_retry):
    for name, reply in refusal.items():
        setattr(smtp_server.inbox, name, reply)

    row = send_invoice_email(emailable_invoice())

    assert row.status == "failed" and row.will_retry is will_retry and row.can_resend is not will_retry
    assert next(iter(refusal.values())) in row.last_error
    assert smtp_server.messages == []


class WorkerKilled(BaseException):
    """Stands in for the worker process dying (it is not an Exception: nothing may catch it)."""


def test_crash_after_handing_over_is_never_sent_again_automatically(app, smtp_server, monkeypatch):
    row = outbox.queue_invoice_email(emailable_invoice())
    db.session.commit()
    monkeypatch.setattr(tasks, "mark_sent", lambda outbox_id: (_ for _ in ()).throw(WorkerKilled()))

    with pytest.raises(WorkerKilled):
        tasks.send_outbox_email(row.id)
    monkeypatch.undo()

    db.session.refresh(row)
    assert row.status == "sending" and row.message_id and len(smtp_server.messages) == 1
    # The job is retried while the row is fresh: it leaves it alone.
    assert tasks.send_outbox_email(row.id) == "sending"
    assert run_notification_sweep().interrupted == 0
    # Later (a job or the sweep): marked failed, for an administrator — never re-sent by the machinery.
    report = run_notification_sweep(now=utcnow() + timedelta(hours=1))
    assert report.interrupted == 1 and report.requeued == 0
    db.session.refresh(row)
    assert row.status == "failed" and "may or may not have been delivered" in row.last_error and row.can_resend
    run_notification_sweep(now=utcnow() + timedelta(days=1))
    assert tasks.send_outbox_email(row.id) == "failed"
    # A day on, the sweep rightly sends a payment reminder; the interrupted invoice email itself went once.
    assert [message["Subject"] for message in smtp_server.messages].count(row.subject) == 1
    assert len(smtp_server.messages) == 2 and "reminder" in smtp_server.messages[1]["Subject"]


def test_stale_sending_row_found_by_a_retried_job_is_closed_without_sending(app, smtp_server):
    app.config["EMAIL_SENDING_STALE_SECONDS"] = 0
    row = outbox.queue_invoice_email(emailable_invoice())
    row.status, row.claimed_at = "sending", utcnow() - timedelta(seconds=5)
    db.session.commit()

    assert tasks.send_outbox_email(row.id) == "failed"
    assert smtp_server.messages == []


def test_connection_lost_during_data_is_not_retried(app, smtp_server, monkeypatch):
    real_send = smtplib.SMTP.send

    def send_then_drop(self, payload):
        real_send(self, payload)
        if isinstance(payload, bytes) and payload.endswith(b"\r\n.\r\n"):
            raise ConnectionResetError("connection reset by peer")

    monkeypatch.setattr(smtplib.SMTP, "send", send_then_drop)

    row = send_invoice_email(emailable_invoice())

    assert row.status == "failed" and not row.will_retry
    assert "it may have been delivered" in row.last_error
    assert len(smtp_server.messages) == 1


def test_receipt_email_once_per_payment(app, smtp_server, paid_for):
    invoice, payment = paid_for

    first = outbox.queue_receipt_email(payment)
    second = outbox.queue_receipt_email(payment)
    db.session.commit()
    outbox.dispatch([first, second, first.id])

    assert second is None
    assert outbox.queue_receipt_email(payment) is None
    [message] = smtp_server.messages
    text, html, [attachment] = parts(message)
    assert message["Subject"] == f"[TEST] St. Luke's General Hospital: receipt for ₦4,000.00 (invoice {invoice.number})"
    assert "Amount paid:  ₦4,000.00" in text and "Paid by:      Cash" in text and "Balance left: ₦6,000.00" in text
    assert "₦6,000.00" in html and "Cash" in html
    assert attachment.get_filename() == f"receipt-{invoice.number}-{payment.id}.pdf"
    receipt_text = pdf_text(attachment.get_content())
    assert invoice.number in receipt_text and "4,000.00" in receipt_text
    db.session.refresh(payment)
    assert payment.receipt_print_count == 0


def test_the_database_refuses_a_second_receipt_row(app, paid_for):
    _, payment = paid_for
    outbox.queue_receipt_email(payment)
    db.session.commit()

    db.session.add(EmailOutbox(kind="receipt", invoice_id=payment.invoice_id, payment_id=payment.id, subject="again"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("channel, words", [("transfer", "Bank transfer"), ("card_terminal", "Card (terminal)")])
def test_receipt_names_the_channel(app, smtp_server, channel, words):
    invoice = emailable_invoice()
    payment = pay(invoice, invoice.total_minor, channel=channel, reference="TRF-1")
    row = outbox.queue_receipt_email(payment)
    db.session.commit()
    outbox.dispatch([row])

    text, _, _ = parts(smtp_server.messages[0])
    assert f"Paid by:      {words}" in text and "Balance left: ₦0.00" in text and "fully paid" in text


def test_admin_resend_of_an_interrupted_receipt_sends_it_again_and_is_audited(admin_client, admin, smtp_server, paid_for):
    _, payment = paid_for
    row = outbox.queue_receipt_email(payment)
    row.status, row.claimed_at, row.last_error = "failed", utcnow(), tasks.INTERRUPTED
    db.session.commit()

    response = post_signed_in(admin_client, f"/admin/emails/{row.id}/resend", follow_redirects=True)

    assert "queued again" in response.get_data(as_text=True)
    assert len(smtp_server.messages) == 1
    db.session.refresh(row)
    assert row.status == "sent" and row.resend_count == 1
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "email.resent")).one()
    assert entry.actor_id == admin.id and entry.before["status"] == "failed" and entry.after["status"] == "queued"
    assert db.session.scalar(select(func.count(EmailOutbox.id))) == 1


@pytest.mark.integration
def test_real_rq_worker_sends_the_email(app_config, smtp_server, request):
    from rq import SimpleWorker

    from billing_desk.jobs import get_queue, redis_connection

    app_config.update(REDIS_URL="redis://127.0.0.1:6379/0", QUEUE_PREFIX=f"test-{uuid.uuid4().hex[:8]}")
    app = request.getfixturevalue("app")
    queue = get_queue("emails")
    try:
        row = outbox.queue_invoice_email(emailable_invoice())
        db.session.commit()
        assert outbox.dispatch([row]) == 1
        assert smtp_server.messages == [] and queue.count == 1
        assert queue.job_ids == [outbox.job_id(row.id)]

        SimpleWorker([queue], connection=redis_connection()).work(burst=True)

        assert len(smtp_server.messages) == 1
        db.session.refresh(row)
        assert row.status == "sent"
    finally:
        queue.empty()
        for key in redis_connection().scan_iter(f"*{app.config['QUEUE_PREFIX']}*"):
            redis_connection().delete(key)
