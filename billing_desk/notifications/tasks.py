"""The email job: send one outbox row over SMTP — at most once (see the package docstring)."""
import logging
from datetime import timedelta

from sqlalchemy import and_, or_, select, update

from billing_desk.billing.states import InvoiceStatus, is_payable
from billing_desk.extensions import db
from billing_desk.jobs.context import job
from billing_desk.models import EmailOutbox
from billing_desk.notifications import compose, smtp
from billing_desk.notifications.outbox import FAILED, QUEUED, SENDING, SENT, SKIPPED, patient_address, retry_delay
from billing_desk.notifications.settings import setting
from billing_desk.timeutil import utcnow

log = logging.getLogger(__name__)

INTERRUPTED = (
    "The send was interrupted (the worker stopped while talking to the mail server): the email may or may not "
    "have been delivered. It is not retried automatically so that it is never sent twice; resend it if the "
    "patient did not get it."
)
# A row the job may claim: waiting, or failed with a retry planned. Anything else is finished or in flight.
CLAIMABLE = or_(EmailOutbox.status == QUEUED, and_(EmailOutbox.status == FAILED, EmailOutbox.next_attempt_at.is_not(None)))


def _locked(outbox_id):
    return db.session.execute(
        select(EmailOutbox).where(EmailOutbox.id == outbox_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _reason_not_to_send(row):
    """Why this email should not go out any more, checked when it is about to be sent."""
    invoice = row.invoice
    if row.kind == "reconciliation":  # a report to an administrator (its address was checked when it was queued)
        return None
    if invoice is None:  # a statement: about the patient, not one invoice
        return patient_address(row.patient)[1]
    if invoice.status == InvoiceStatus.VOID:
        return "The invoice was voided before the email was sent."
    if row.kind == "reminder" and not is_payable(invoice):
        return "The invoice was settled before the reminder was sent."
    return patient_address(invoice.patient)[1]


def _finish(outbox_id, status, error=None, *, from_statuses):
    """Move a row on (under a row lock, only from the statuses expected) and commit."""
    row = _locked(outbox_id)
    if row is None or row.status not in from_statuses:
        db.session.rollback()
        return False
    row.status = status
    row.last_error = error
    row.next_attempt_at = None
    if status == SENT:
        row.sent_at = utcnow()
    db.session.commit()
    return True


def _record_failure(outbox_id, error, *, claimed):
    """A try that delivered nothing: plan the next one, or give up after EMAIL_MAX_ATTEMPTS. Returns True
    when another try is planned. `claimed`: the try got as far as `_claim` (which counted the attempt)."""
    row = _locked(outbox_id)
    if row is None or row.status not in ((SENDING,) if claimed else (QUEUED, FAILED)):
        db.session.rollback()
        return False
    row.attempts += 0 if claimed else 1
    delay = retry_delay(row.attempts)
    row.status = FAILED
    row.next_attempt_at = utcnow() + delay if delay else None
    row.last_error = str(error) if delay else f"Gave up after {row.attempts} attempts. {error}"
    db.session.commit()
    return delay is not None


def _claim(outbox_id):
    """Mark the row "sending" with a fresh Message-ID and commit — before any byte goes to the server."""
    result = db.session.execute(
        update(EmailOutbox)
        .where(EmailOutbox.id == outbox_id, CLAIMABLE)
        .values(status=SENDING, attempts=EmailOutbox.attempts + 1, claimed_at=utcnow(),
                message_id=compose.new_message_id(), next_attempt_at=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def close_if_interrupted(outbox_id, now=None):
    """A row still "sending" long after it was claimed belongs to a job that died mid-send: mark it failed
    (not retried). Returns True when it did."""
    stale_before = (now or utcnow()) - timedelta(seconds=setting("EMAIL_SENDING_STALE_SECONDS"))
    row = _locked(outbox_id)
    if row is None or row.status != SENDING or (row.claimed_at and row.claimed_at > stale_before):
        db.session.rollback()
        return False
    row.status = FAILED
    row.next_attempt_at = None
    row.last_error = INTERRUPTED
    db.session.commit()
    log.warning("email %s was interrupted while sending; marked failed for an administrator", outbox_id)
    return True


@job
def send_outbox_email(outbox_id):
    """Send outbox row `outbox_id` if it is waiting or due for a retry; returns the row's new status.

    Raises after a failure that will be retried (so RQ schedules the retry); returns normally otherwise.
    """
    row = db.session.get(EmailOutbox, outbox_id)
    if row is None:
        log.warning("email outbox row %s does not exist", outbox_id)
        return None
    if row.status == SENDING:
        return FAILED if close_if_interrupted(outbox_id) else SENDING
    if not db.session.scalar(select(EmailOutbox.id).where(EmailOutbox.id == outbox_id, CLAIMABLE)):
        return row.status  # sent, skipped, or given up: nothing to do

    reason = _reason_not_to_send(row)
    if reason:
        _finish(outbox_id, SKIPPED, reason, from_statuses=(QUEUED, FAILED))
        return SKIPPED

    if not _claim(outbox_id):
        return None  # another job got there first
    row = db.session.get(EmailOutbox, outbox_id)
    try:
        message = compose.build_message(row)
    except Exception as error:  # nothing sent yet: safe to try again
        db.session.rollback()
        log.exception("email %s could not be composed", outbox_id)
        if _record_failure(outbox_id, f"The email could not be prepared: {type(error).__name__}: {error}",
                           claimed=True):
            raise
        return FAILED
    db.session.rollback()  # hold no transaction open across the SMTP conversation

    try:
        smtp.deliver(message)
    except smtp.TemporaryFailure as error:
        if _record_failure(outbox_id, error, claimed=True):
            raise
        return FAILED
    except (smtp.PermanentFailure, smtp.DeliveryUnknown) as error:
        _finish(outbox_id, FAILED, str(error), from_statuses=(SENDING,))
        return FAILED
    mark_sent(outbox_id)
    log.info("email %s (%s) sent to %s", outbox_id, row.kind, row.recipient)
    return SENT


def mark_sent(outbox_id):
    _finish(outbox_id, SENT, from_statuses=(SENDING,))
