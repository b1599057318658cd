"""`Idempotency-Key` on every POST: the same key and body replay the first success for 24 hours; the same key
with another body (or on another endpoint) is a 409.

The row is inserted before the work, in the work's own transaction: a concurrent twin blocks on the unique
key until the first commits, then finds the row and replays it. Only successes are kept, so a request that
was refused (and therefore wrote nothing) can simply be sent again.
"""
import hashlib
import re
from datetime import timedelta

from flask import request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from billing_desk.api.envelope import ApiError
from billing_desk.extensions import db
from billing_desk.models import IdempotentResponse
from billing_desk.timeutil import utcnow

HEADER = "Idempotency-Key"
REPLAY_WINDOW = timedelta(hours=24)
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as a header can carry it
IN_PROGRESS = 0


def request_hash(raw_body):
    return hashlib.sha256(f"{request.method} {request.path}\n".encode() + raw_body).hexdigest()


def _existing(key_id, key):
    return db.session.scalar(
        select(IdempotentResponse).where(IdempotentResponse.api_key_id == key_id, IdempotentResponse.key == key)
    )


def _answer(row, digest):
    """A stored row: its replay as (status, body), or the 409 for a different request."""
    if row.request_hash != digest:
        raise ApiError(409, "idempotency_key_reused",
                       f"This {HEADER} was used for a different request; use a new key for a new request.")
    if row.status_code == IN_PROGRESS:
        raise ApiError(409, "idempotency_in_progress", "The first request with this key is still running.")
    return row.status_code, row.body


def begin(api_key_id, raw_body):
    """Claim the key for this request. Returns (None, row) to go ahead, or ((status, body), None) to replay."""
    key = request.headers.get(HEADER, "")
    if not key:
        raise ApiError(400, "idempotency_key_required", f"Send an {HEADER} header with every POST.", HEADER)
    if not KEY_PATTERN.match(key):
        raise ApiError(400, "invalid_value", f"The {HEADER} must be 1 to 255 visible ASCII characters.", HEADER)
    digest = request_hash(raw_body)
    db.session.execute(delete(IdempotentResponse).where(
        IdempotentResponse.api_key_id == api_key_id, IdempotentResponse.key == key,
        IdempotentResponse.created_at < utcnow() - REPLAY_WINDOW,
    ))
    row = _existing(api_key_id, key)
    if row is not None:
        return _answer(row, digest), None
    row = IdempotentResponse(api_key_id=api_key_id, key=key, request_hash=digest, status_code=IN_PROGRESS, body="")
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        db.session.rollback()
        winner = _existing(api_key_id, key)
        if winner is None:  # the twin was refused and wrote nothing: go again
            return begin(api_key_id, raw_body)
        return _answer(winner, digest), None
    return None, row


def remember(row, status, body):
    """Store the success on the claimed row (committed with the work)."""
    row.status_code = status
    row.body = body


def purge_expired(now=None):
    """Forget keys older than the replay window (run by the sweep). Returns how many went."""
    result = db.session.execute(
        delete(IdempotentResponse).where(IdempotentResponse.created_at < (now or utcnow()) - REPLAY_WINDOW)
    )
    return result.rowcount
