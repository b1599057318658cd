"""Work that fails WEBHOOK_MAX_ATTEMPTS / EMAIL_MAX_ATTEMPTS times is dead-lettered: shown to an administrator
with its error, flagged on the admin home, never retried automatically, retried by hand (audited)."""
import json

import pytest
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import AuditEntry, WebhookEvent
from billing_desk.paystack import sweep, tasks
from tests.paystack.webhook_fixtures import form_post


@pytest.fixture
def app_config(app_config):
    # Paystack (127.0.0.1:9 in tests) refuses every connection, so verifying a charge always fails.
    return {**app_config, "WEBHOOK_MAX_ATTEMPTS": 3, "PAYSTACK_SWEEP_EVENT_AGE_SECONDS": 0}


@pytest.fixture
def failing_event(app):
    body = {"event": "charge.success", "data": {"id": 4099, "reference": "T-dead-letter", "amount": 5000}}
    event = WebhookEvent(event="charge.success", dedupe_key="charge.success:4099", body=json.dumps(body))
    db.session.add(event)
    db.session.commit()
    return event.id


def _attempt(event_id):
    with pytest.raises(Exception):
        tasks.apply_webhook_event(event_id)


def test_an_event_failing_n_times_is_dead_lettered_and_left_alone(app, failing_event):
    for _ in range(2):
        _attempt(failing_event)
        assert db.session.get(WebhookEvent, failing_event).outcome == "error"
    _attempt(failing_event)
    event = db.session.get(WebhookEvent, failing_event)
    assert (event.outcome, event.attempts) == ("dead_letter", 3)
    assert event.processed_at is not None and "PaystackUnavailable" in event.error

    assert tasks.apply_webhook_event(failing_event) == "dead_letter"  # a late RQ retry does nothing
    report = sweep.SweepReport()
    sweep.requeue_stale_events(report)
    assert report.requeued == 0
    assert db.session.get(WebhookEvent, failing_event).attempts == 3


def test_dead_letters_are_listed_flagged_and_retried_by_hand(app, admin, admin_client, failing_event):
    for _ in range(3):
        _attempt(failing_event)
    home = admin_client.get("/admin/").get_data(as_text=True)
    assert "Given up, waiting for you" in home and "1 webhook event(s)</a> failed too often" in home
    events = admin_client.get("/paystack/events").get_data(as_text=True)
    assert "Given up: 1 event(s) failed too often" in events and "PaystackUnavailable" in events

    response = form_post(admin_client, f"/paystack/events/{failing_event}/reprocess", {})
    assert response.status_code == 303
    db.session.expire_all()
    event = db.session.get(WebhookEvent, failing_event)
    assert (event.outcome, event.attempts) == ("dead_letter", 4)  # one more try by hand, failed again
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "webhook_event.reprocessed")).one()
    assert entry.actor_id == admin.id


def test_given_up_emails_are_flagged_and_filtered_on_the_email_log(app, admin_client):
    from tests.factories import make_issued_invoice
    from billing_desk.models import EmailOutbox

    invoice = make_issued_invoice()
    db.session.add(EmailOutbox(kind="invoice", invoice_id=invoice.id, recipient="ada@example.org", subject="Invoice",
                               status="failed", attempts=5, last_error="Gave up after 5 attempts. 421 busy"))
    db.session.add(EmailOutbox(kind="reminder", reminder_number=1, invoice_id=invoice.id, recipient="ada@example.org",
                               subject="Reminder", status="sent"))
    db.session.commit()
    home = admin_client.get("/admin/").get_data(as_text=True)
    assert "1 email(s)</a> could not be sent" in home
    log = admin_client.get("/admin/emails?status=gave_up").get_data(as_text=True)
    assert "Gave up after 5 attempts. 421 busy" in log and "Reminder" not in log.split("<tbody>", 1)[-1]
