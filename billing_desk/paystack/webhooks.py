"""Receiving Paystack webhooks: check the signature, parse, derive a dedupe key, store the raw event.

Paystack sends no event id and retries for up to 72 hours, so the same event arrives more than once.
Each event is stored once under a dedupe key built from the event name and the ids in `data`
(docs/paystack.md §7); a repeat only bumps `duplicates`. Applying an event is `apply.py`'s job, run by a worker.
"""
import hashlib
import json
import logging
import math

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from billing_desk import audit
from billing_desk.extensions import db
from billing_desk.models import AppSetting, PaymentReview, WebhookEvent
from billing_desk.paystack import signature
from billing_desk.timeutil import utcnow

log = logging.getLogger(__name__)

BAD_SIGNATURE_COUNTER = "paystack.webhooks.bad_signatures"
MAX_KEY_LENGTH = 255
REOPEN_AUDIT_FIELDS = ("outcome", "processed_at", "error")
# Stored as processed with this outcome and the reason: applying it could only fail, so it is never retried.
UNPROCESSABLE = "unprocessable"
MAX_EVENT_NAME = 60  # WebhookEvent.event
MAX_BIGINT = 2**63 - 1  # the widest integer column Paystack's ids and amounts land in
MAX_REFERENCE = 100  # Payment.paystack_reference, the longest column a Paystack reference is kept in
REFERENCE_KEYS = ("reference", "request_code", "offline_reference", "transaction_reference", "refund_reference",
                  "invoice_code", "customer_code", "domain", "status", "currency")


class InvalidPayload(ValueError):
    """A correctly signed body that is not a Paystack event (`{"event": str, "data": object}`)."""


def is_signed(raw_body, header_value, secret_key):
    return signature.is_valid(raw_body, header_value, secret_key)


def parse(raw_body):
    """The event envelope as a dict, or InvalidPayload."""
    try:
        payload = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidPayload("body is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("event"), str) or not payload["event"]:
        raise InvalidPayload("no event name")
    if not isinstance(payload.get("data"), dict):
        raise InvalidPayload("no data object")
    return payload


def _impossible(value, path):
    """Why `value` (found at `path`) cannot be stored, or None: a NUL character, an integer wider than a
    bigint, or a number that is not finite."""
    if isinstance(value, str):
        return f"{path} contains a NUL character" if "\x00" in value else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return f"{path} is a number too large to be a Paystack id or amount" if abs(value) > MAX_BIGINT else None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{path} is not a finite number"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        problem = _impossible(key, f"{path} key") or _impossible(item, f"{path}.{key}")
        if problem:
            return problem
    return None


def impossible_values(payload):
    """Why a correctly signed event can never be applied, in words for the events page; None when it can be."""
    event = payload["event"]
    if len(event) > MAX_EVENT_NAME:
        return f"the event name is longer than {MAX_EVENT_NAME} characters"
    problem = _impossible(event, "the event name") or _impossible(payload["data"], "data")
    if problem:
        return problem
    for key in REFERENCE_KEYS:
        value = payload["data"].get(key)
        if isinstance(value, str) and len(value) > MAX_REFERENCE:
            return f"data.{key} is longer than {MAX_REFERENCE} characters"
    return None


def _storable(text):
    return text.replace("\x00", "\ufffd")


def _text(value):
    """An id as text: ints and strings alike (`5000` and `"5000"` give the same key)."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def dedupe_key(payload):
    """`event:<ids>` — the same for every delivery of one event, different for different events.

    Refund events have no refund id (except `needs-attention`), and one transaction can have several
    partial refunds, so they key on transaction reference + processor reference + amount. Events with no
    id at all key on a digest of their canonical `data`, which a retry repeats exactly.
    """
    event = payload["event"]
    data = payload["data"]
    if event.startswith("refund."):
        parts = [
            _text(data.get("transaction_reference")),
            _text(data.get("id")) or _text(data.get("refund_reference")) or "-",
            _text(data.get("amount")),
        ]
        if parts[0] is None:
            parts = None
    else:
        ident = (
            _text(data.get("id"))
            or _text(data.get("reference"))
            or _text(data.get("request_code"))
            or _text(data.get("invoice_code"))
        )
        if ident is None and _text(data.get("transaction_reference")):
            ident = f"{_text(data['transaction_reference'])}:{_text(data.get('status')) or '-'}"
        parts = [ident] if ident else None
    if parts is None:
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        parts = ["sha256", hashlib.sha256(canonical.encode("utf-8")).hexdigest()]
    key = ":".join([event, *parts])
    if len(key) > MAX_KEY_LENGTH:
        key = f"{event[:60]}:sha256:{hashlib.sha256(key.encode('utf-8')).hexdigest()}"
    return key


def store(raw_body, payload):
    """Insert the event, or count a duplicate of it, in one statement. Returns (event_id, is_new, processed).

    One upsert (`ON CONFLICT (dedupe_key) DO UPDATE SET duplicates = duplicates + 1`) keeps the hot path to a
    single round trip and makes two simultaneous deliveries of one event safe. On PostgreSQL and SQLite it runs
    on its own autocommitted connection: a single statement is its own transaction, durable when it returns
    (before the 200 and before the job is queued), without a BEGIN and a COMMIT round trip of their own.
    Elsewhere the caller commits.
    An event with impossible values (`impossible_values`) is stored already processed, as unprocessable: never
    retried.
    """
    now = utcnow()
    values = {
        "event": _storable(payload["event"][:MAX_EVENT_NAME]),
        "dedupe_key": _storable(dedupe_key(payload)),
        "body": raw_body.decode("utf-8"),
        "received_at": now,
        "attempts": 0,
        "duplicates": 0,
    }
    problem = impossible_values(payload)
    if problem:
        log.warning("paystack webhook stored as unprocessable: %s", problem)
        values.update(processed_at=now, outcome=UNPROCESSABLE, error=f"Cannot be applied: {problem}.")
    dialect = db.session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        return _store_portably(values)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(WebhookEvent).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[WebhookEvent.dedupe_key],
        set_={"duplicates": WebhookEvent.duplicates + 1},
    ).returning(WebhookEvent.id, WebhookEvent.duplicates, WebhookEvent.processed_at)
    # Core, not ORM, execution: this is the hot path of every delivery, and nothing here needs the ORM.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        row = connection.execute(statement).one()
    return row.id, row.duplicates == 0, row.processed_at is not None


def _store_portably(values):
    try:
        with db.session.begin_nested():
            event = WebhookEvent(**values)
            db.session.add(event)
        return event.id, True, event.processed_at is not None
    except IntegrityError:
        existing = db.session.execute(
            db.select(WebhookEvent).where(WebhookEvent.dedupe_key == values["dedupe_key"]).with_for_update()
        ).scalar_one()
        existing.duplicates += 1
        db.session.flush()
        return existing.id, False, existing.processed_at is not None


def count_bad_signature():
    """Count a rejected delivery in the database (works with or without Redis). Commits its own row."""
    try:
        changed = db.session.execute(
            update(AppSetting)
            .where(AppSetting.key == BAD_SIGNATURE_COUNTER)
            .values(value=db.cast(db.cast(AppSetting.value, db.Integer) + 1, db.String))
        ).rowcount
        if not changed:
            with db.session.begin_nested():
                db.session.add(AppSetting(key=BAD_SIGNATURE_COUNTER, value="1"))
        db.session.commit()
    except IntegrityError:  # two first rejections at once: the other one made the row
        db.session.rollback()
        count_bad_signature()


def bad_signature_count():
    setting = db.session.get(AppSetting, BAD_SIGNATURE_COUNTER)
    return int(setting.value) if setting else 0


def review_counts():
    """Open payment reviews by kind (unknown references, amount and currency mismatches, overpayments)."""
    rows = db.session.execute(
        select(PaymentReview.kind, func.count()).where(PaymentReview.status == "open").group_by(PaymentReview.kind)
    ).all()
    return dict(rows)


def reopen(event_id, *, actor_id):
    """Mark a stored event to be applied again (an administrator's "re-process"). Flushes; the caller commits and
    enqueues. Safe whatever the event did before: applying is idempotent (one payment per Paystack reference,
    one receipt per payment), so a re-run books only what is missing."""
    event = db.session.execute(select(WebhookEvent).where(WebhookEvent.id == event_id).with_for_update()).scalar_one()
    before = audit.snapshot(event, REOPEN_AUDIT_FIELDS)
    event.processed_at = None
    event.outcome = None
    event.error = None
    db.session.flush()
    audit.record("webhook_event.reprocessed", event, before=before, after=audit.snapshot(event, REOPEN_AUDIT_FIELDS),
                 actor_id=actor_id, note=event.event)
    return event
