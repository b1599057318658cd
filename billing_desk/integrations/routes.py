"""Admin → Integrations: API keys (made, shown once, revoked; each key's calls), webhook subscriptions, and
the deliveries sent with what the receivers answered."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from billing_desk.api import keys as api_keys
from billing_desk.auth.access import require_admin_for_blueprint
from billing_desk.bounds import parse_id
from billing_desk.extensions import db
from billing_desk.integrations import outbox, service
from billing_desk.integrations.cli import register_commands
from billing_desk.integrations.forms import ActionForm, NewKeyForm, NewSubscriptionForm
from billing_desk.models import ApiKey, WebhookDelivery, WebhookSubscription
from billing_desk.models.integration import DELIVERY_STATUSES

bp = Blueprint("integrations", __name__, url_prefix="/admin/integrations", cli_group="integrations")
require_admin_for_blueprint(bp)
register_commands(bp.cli)
ID = "<id:{}>"


@bp.after_app_request
def _start_committed_deliveries(response):
    """Inline jobs only: run the deliveries this request committed, now that its answer is ready."""
    outbox.start_ready()
    return response


def _index(key_form=None, subscription_form=None, new_secret=None, status=200):
    return render_template(
        "integrations/index.html", keys=service.keys(), subscriptions=service.subscriptions(),
        key_form=key_form or NewKeyForm(), subscription_form=subscription_form or NewSubscriptionForm(),
        action_form=ActionForm(), new_secret=new_secret, state_of=api_keys.state_of,
    ), status


@bp.get("/")
def index():
    return _index()


@bp.post("/keys")
def create_key():
    form = NewKeyForm()
    if not form.validate_on_submit():
        return _index(key_form=form, status=422)
    try:
        made = api_keys.create_key(name=form.name.data, scopes=form.scopes.data, expires_at=form.expires_at(),
                                   actor_id=current_user.id)
    except api_keys.KeyRefused as refused:
        form.name.errors.append(str(refused))
        return _index(key_form=form, status=422)
    db.session.commit()
    # Shown on this answer only: the key is kept hashed and cannot be shown again.
    return _index(new_secret=("API key", made.key.name, made.secret), status=201)


@bp.post(f"/keys/{ID.format('key_id')}/revoke")
def revoke_key(key_id):
    if not ActionForm().validate_on_submit():
        abort(400)
    key = db.get_or_404(ApiKey, key_id)
    api_keys.revoke_key(key.id, actor_id=current_user.id)
    db.session.commit()
    flash(f"The key “{key.name}” is revoked: calls with it are refused from now on.", "success")
    return redirect(url_for(".index"))


@bp.get(f"/keys/{ID.format('key_id')}")
def key_calls(key_id):
    key = db.get_or_404(ApiKey, key_id)
    return render_template("integrations/calls.html", key=key, calls=service.recent_calls(key.id),
                           state=api_keys.state_of(key))


@bp.post("/webhooks")
def create_subscription():
    form = NewSubscriptionForm()
    if not form.validate_on_submit():
        return _index(subscription_form=form, status=422)
    subscription = service.create_subscription(name=form.name.data, url=form.url.data, events=form.events.data,
                                               actor_id=current_user.id)
    db.session.commit()
    return _index(new_secret=("signing secret", subscription.name, subscription.secret), status=201)


@bp.post(f"/webhooks/{ID.format('subscription_id')}/active")
def toggle_subscription(subscription_id):
    if not ActionForm().validate_on_submit():
        abort(400)
    subscription = db.get_or_404(WebhookSubscription, subscription_id)
    service.set_active(subscription, not subscription.active, actor_id=current_user.id)
    db.session.commit()
    flash(f"“{subscription.name}” is {'receiving events again' if subscription.active else 'paused'}.", "success")
    return redirect(url_for(".index"))


@bp.get("/deliveries")
def deliveries():
    subscription_id = parse_id(request.args.get("subscription"))
    status = request.args.get("status")
    status = status if status in DELIVERY_STATUSES else None
    return render_template("integrations/deliveries.html", statuses=DELIVERY_STATUSES, status=status,
                           subscription_id=subscription_id, subscriptions=service.subscriptions(),
                           deliveries=service.recent_deliveries(subscription_id, status), action_form=ActionForm())


@bp.post(f"/deliveries/{ID.format('delivery_id')}/replay")
def replay_delivery(delivery_id):
    if not ActionForm().validate_on_submit():
        abort(400)
    original = db.get_or_404(WebhookDelivery, delivery_id)
    row = outbox.replay(original.id, actor_id=current_user.id)
    db.session.commit()
    flash(f"Delivery {original.id} is being sent again as delivery {row.id}.", "success")
    return redirect(url_for(".deliveries"))
