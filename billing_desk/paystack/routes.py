"""Paystack → desk: the webhook endpoint (public, signed), and the administrators' event log."""
import json
import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from billing_desk.auth.access import admin_required, public
from billing_desk.extensions import csrf, db
from billing_desk.inputs import raw_body
from billing_desk.jobs import dead_letters, enqueue
from billing_desk.models import WebhookEvent
from billing_desk.paystack import retire, tasks, webhooks  # noqa: F401  (retire: registers the listener that withdraws stale requests)

bp = Blueprint("paystack", __name__, url_prefix="/paystack")
log = logging.getLogger(__name__)

# Paystack's events are a few kilobytes; anything far bigger is not from Paystack.
MAX_WEBHOOK_BYTES = 256 * 1024


class ReprocessForm(FlaskForm):
    """Only the CSRF token: re-processing takes no input."""


@bp.post("/webhook")
@public
@raw_body
@csrf.exempt
def webhook():
    """Store the event and acknowledge at once; a worker applies it (Paystack retries anything but a 200)."""
    request.max_content_length = MAX_WEBHOOK_BYTES
    raw = request.get_data(cache=False)
    if not webhooks.is_signed(raw, request.headers.get("x-paystack-signature"), current_app.config["PAYSTACK_SECRET_KEY"]):
        webhooks.count_bad_signature()
        log.warning(
            "paystack webhook refused: %s signature from %s (%d bytes)",
            "bad" if request.headers.get("x-paystack-signature") else "missing",
            request.remote_addr,
            len(raw),
        )
        return {"status": "invalid signature"}, 401
    try:
        payload = webhooks.parse(raw)
    except webhooks.InvalidPayload as problem:
        log.warning("paystack webhook refused: signed but unreadable (%s)", problem)
        return {"status": "invalid payload"}, 400
    event_id, is_new, processed = webhooks.store(raw, payload)
    db.session.commit()
    if not processed:
        # A repeat of an event that is still unapplied is queued again: its first job may never have
        # reached Redis. Applying is idempotent, so an extra job is harmless.
        enqueue(tasks.apply_webhook_event, event_id, queue="webhooks", job_id=tasks.event_job_id(event_id))
    return {"status": "received" if is_new else "duplicate"}, 200


@bp.get("/events")
@admin_required
def events():
    """The latest webhook events with what became of them (for administrators chasing a payment)."""
    page = db.paginate(
        select(WebhookEvent).order_by(WebhookEvent.id.desc()), per_page=50, error_out=False
    )
    return render_template(
        "paystack/events.html", page=page, bad_signatures=webhooks.bad_signature_count(),
        reviews=webhooks.review_counts(), dead_letters=dead_letters.dead_webhook_events(),
    )


@bp.get("/events/<id:event_id>")
@admin_required
def event(event_id):
    """One event with its raw body as Paystack sent it."""
    stored = db.get_or_404(WebhookEvent, event_id, description="There is no such webhook event.")
    try:
        body = json.dumps(json.loads(stored.body), indent=2, ensure_ascii=False)
    except ValueError:
        body = stored.body
    return render_template("paystack/event.html", event=stored, body=body, form=ReprocessForm())


@bp.post("/events/<id:event_id>/reprocess")
@admin_required
def reprocess(event_id):
    db.get_or_404(WebhookEvent, event_id, description="There is no such webhook event.")
    if not ReprocessForm().validate_on_submit():
        abort(400)
    webhooks.reopen(event_id, actor_id=current_user.id)
    db.session.commit()
    if enqueue(tasks.apply_webhook_event, event_id, queue="webhooks", job_id=tasks.event_job_id(event_id)):
        flash(f"Event #{event_id} was sent to be applied again.", "info")
    else:
        flash(f"Event #{event_id} will be applied again by the next sweep (the job queue is not reachable now).",
              "warning")
    return redirect(url_for(".event", event_id=event_id), 303)
