"""The test/fault control API under `/_sandbox/` (JSON, no auth): what a person does on the terminals page,
plus reset, fault knobs, a state dump, the log of API calls received and a way to wait for queued webhooks.
"""
from flask import Blueprint, jsonify, request

from devtools.sandbox import pos
from devtools.sandbox.common import ApiError, validation_error
from devtools.sandbox.core import get_sandbox
from devtools.sandbox.inputs import as_int, read_body

bp = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")


def _optional_url(value):
    return (str(value).strip() or None) if value is not None else None


CONFIG_FIELDS = {
    "webhook_url": _optional_url,
    "webhook_max_attempts": lambda v: max(1, as_int(v, "webhook_max_attempts")),
    "webhook_retry_base_s": float,
    "webhook_timeout_s": float,
}


@bp.errorhandler(ApiError)
def _error(error):
    return jsonify(error.body()), error.http_status


@bp.post("/reset")
def reset():
    get_sandbox().reset()
    return jsonify({"ok": True})


@bp.get("/config")
def show_config():
    return jsonify(_config_view())


@bp.post("/config")
def change_config():
    settings = get_sandbox().settings
    body = read_body()
    unknown = sorted(set(body) - set(CONFIG_FIELDS))
    if unknown:
        raise validation_error(f"Unknown setting(s): {', '.join(unknown)}")
    try:
        changes = {name: CONFIG_FIELDS[name](value) for name, value in body.items()}
    except (TypeError, ValueError):
        raise validation_error("Bad setting value") from None
    for name, value in changes.items():
        setattr(settings, name, value)
    return jsonify(_config_view())


def _config_view():
    settings = get_sandbox().settings
    return {
        "webhook_url": settings.webhook_url,
        "webhook_max_attempts": settings.webhook_max_attempts,
        "webhook_retry_base_s": settings.webhook_retry_base_s,
        "webhook_timeout_s": settings.webhook_timeout_s,
        "integration_id": settings.integration_id,
        "domain": settings.domain,
    }


@bp.get("/faults")
def show_faults():
    return jsonify(get_sandbox().faults.snapshot())


@bp.post("/faults")
def change_faults():
    return jsonify(get_sandbox().faults.update(read_body()))


@bp.post("/terminals/<terminal_id>/state")
def terminal_state(terminal_id):
    body = read_body()
    return jsonify(pos.set_state(get_sandbox(), terminal_id, body.get("online"), body.get("available")))


@bp.post("/terminals/<terminal_id>/approve")
def approve(terminal_id):
    body = read_body()
    amount = None if body.get("amount") in (None, "") else as_int(body["amount"], "amount")
    return jsonify(pos.approve(get_sandbox(), terminal_id, amount, request.host_url.rstrip("/")))


@bp.post("/terminals/<terminal_id>/decline")
def decline(terminal_id):
    return jsonify(pos.decline(get_sandbox(), terminal_id))


@bp.post("/terminals/<terminal_id>/timeout")
def time_out(terminal_id):
    return jsonify(pos.time_out(get_sandbox(), terminal_id))


@bp.get("/state")
def state():
    sandbox = get_sandbox()
    with sandbox.store.read() as data:
        dump = {name: list(data[name].values()) for name in ("customers", "payment_requests", "transactions",
                                                             "refunds", "terminals", "events")}
    dump["deliveries"] = sandbox.webhooks.deliveries()
    dump["faults"] = sandbox.faults.snapshot()
    dump["version"] = sandbox.store.version
    return jsonify(dump)


@bp.get("/version")
def version():
    """What the terminals page polls to know when to refresh: changes whenever state or a delivery does."""
    sandbox = get_sandbox()
    return jsonify({"version": f"{sandbox.store.version}.{sandbox.webhooks.revision}"})


@bp.get("/deliveries")
def deliveries():
    return jsonify({"deliveries": get_sandbox().webhooks.deliveries()})


@bp.get("/calls")
def api_calls():
    """Every Paystack API call received since the last reset (method, path, query), refused ones included."""
    return jsonify({"calls": get_sandbox().api_calls.calls()})


@bp.post("/deliveries/wait")
def wait_for_deliveries():
    """Block until every queued webhook attempt (and pending refund settlement) has run."""
    sandbox = get_sandbox()
    timeout_s = float(read_body().get("timeout_s", 10))
    idle = sandbox.scheduler.wait_idle(timeout_s)
    return jsonify({"idle": idle, "deliveries": sandbox.webhooks.deliveries()})
