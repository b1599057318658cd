"""The audit trail: every state change writes who, what, when, before and after in the same transaction."""
from flask import has_request_context
from flask_login import current_user

from billing_desk.extensions import db
from billing_desk.models import AuditEntry


def _current_actor_id():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def record(action, entity, *, before=None, after=None, actor_id=None, invoice_id=None, patient_id=None, note=None):
    """Add an audit row for `entity` (flushed with the caller's transaction, never committed here).

    `actor_id` defaults to the signed-in staff member; jobs pass None for "system".
    """
    entry = AuditEntry(
        action=action,
        entity_type=entity.__tablename__,
        entity_id=entity.id,
        actor_id=actor_id if actor_id is not None else _current_actor_id(),
        invoice_id=invoice_id,
        patient_id=patient_id,
        before=before,
        after=after,
        note=note,
    )
    db.session.add(entry)
    return entry


def snapshot(obj, fields):
    """A JSON-safe dict of `fields` of `obj`, for an audit row's before/after."""
    result = {}
    for name in fields:
        value = getattr(obj, name)
        result[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return result
