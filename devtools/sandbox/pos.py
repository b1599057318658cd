"""The virtual terminals: receiving pushed events, and what the person at the terminal does with them.

A terminal that is online and available takes an `invoice`/`process` push at once (`delivered: true`) and
shows it as waiting; it is then busy until the push is approved, declined or timed out. A push to an offline
or busy terminal is accepted by the API but never delivered, as with a real device.
"""
import secrets

from devtools.sandbox import records, shapes
from devtools.sandbox.common import ApiError, iso_now, not_found, validation_error
from devtools.sandbox.inputs import as_bool

EVENT_ACTIONS = {"invoice": ("process", "view"), "transaction": ("process", "print")}


def is_available(terminal):
    return terminal["online"] and terminal["available"] and terminal["push"] is None


def find_terminal(data, terminal_id):
    terminal = data["terminals"].get(str(terminal_id))
    if terminal is None:
        raise not_found("Device not found")
    return terminal


def send_event(sandbox, terminal_id, body):
    """`POST /terminal/{terminal_id}/event`; returns the event record."""
    event_type, action, payload = body.get("type"), body.get("action"), body.get("data")
    if event_type not in EVENT_ACTIONS:
        raise validation_error("Event type should be one of: invoice, transaction")
    if action not in EVENT_ACTIONS[event_type]:
        allowed = ", ".join(EVENT_ACTIONS[event_type])
        raise validation_error(f"Action for {event_type} events should be one of: {allowed}")
    if not isinstance(payload, dict) or payload.get("id") in (None, ""):
        raise validation_error("data.id is required")
    with sandbox.store.write() as data:
        terminal = find_terminal(data, terminal_id)
        event = {
            "id": secrets.token_hex(12),
            "terminal_id": terminal["terminal_id"],
            "type": event_type,
            "action": action,
            "data": payload,
            "request_id": None,
            "transaction_id": None,
            "created_at": iso_now(),
        }
        if event_type == "invoice":
            event["request_id"] = records.payable_request(data, payload["id"], payload.get("reference"))["id"]
        else:
            transaction = records.find_transaction(data, payload["id"])
            if transaction is None:
                raise not_found("Transaction not found")
            event["transaction_id"] = transaction["id"]
        takes_payment = (event_type, action) == ("invoice", "process")
        event["delivered"] = is_available(terminal) if takes_payment else terminal["online"]
        if takes_payment and event["delivered"]:
            event["state"] = "waiting"
            terminal["push"] = event["id"]
        else:
            event["state"] = "shown" if event["delivered"] else "undelivered"
        data["events"][event["id"]] = event
        return dict(event)


def event_status(sandbox, terminal_id, event_id):
    with sandbox.store.read() as data:
        find_terminal(data, terminal_id)
        event = data["events"].get(str(event_id))
        if event is None or event["terminal_id"] != terminal_id:
            raise ApiError(400, "The push notification ID provided is invalid", data={"code": "INVALID_PUSH_ID"})
        return {"delivered": event["delivered"]}


def set_state(sandbox, terminal_id, online=None, available=None):
    with sandbox.store.write() as data:
        terminal = find_terminal(data, terminal_id)
        if online is not None:
            terminal["online"] = as_bool(online, "online", terminal["online"])
        if available is not None:
            terminal["available"] = as_bool(available, "available", terminal["available"])
        return presence(terminal)


def presence(terminal):
    return {"online": terminal["online"], "available": is_available(terminal)}


def approve(sandbox, terminal_id, amount, pdf_base_url):
    """The card was tapped and approved for `amount` (None: what the request still owes).

    Books the POS transaction and sends its webhooks (`payment_webhooks`).
    """
    with sandbox.store.write() as data:
        terminal, event = _armed_push(data, terminal_id)
        request_record = data["payment_requests"][str(event["request_id"])]
        records.ensure_collectable(request_record)
        if amount is None:
            amount = records.pending_amount(request_record)
        transaction = records.record_pos_payment(sandbox.store, request_record, terminal_id, amount, pdf_base_url)
        _end_push(terminal, event, "approved")
        event["transaction_id"] = transaction["id"]
        webhooks = payment_webhooks(data, request_record, transaction)
        result = {
            "event": dict(event),
            "payment_request": shapes.request_detail(data, request_record),
            "transaction": shapes.transaction_detail(data, transaction),
        }
    publish_payment_webhooks(sandbox, webhooks)
    return result


def payment_webhooks(data, request_record, transaction):
    """What Paystack sends for a payment on a request, terminal or hosted page: `paymentrequest.success` (only
    when the request is now fully paid), then `charge.success`. Call while holding the store."""
    webhooks = []
    if request_record["paid"]:
        webhooks.append(("paymentrequest.success", shapes.request_webhook(request_record)))
    webhooks.append(("charge.success", shapes.charge_success_webhook(data, transaction)))
    return webhooks


def publish_payment_webhooks(sandbox, webhooks):
    """Send `payment_webhooks` in that order, or reversed when the `reorder_delivery` knob is set."""
    if sandbox.faults.get("reorder_delivery"):
        webhooks = list(reversed(webhooks))
    sandbox.webhooks.publish(webhooks)


def decline(sandbox, terminal_id):
    """The card was declined: the push ends and the request stays pending.

    No webhook: Paystack documents none for a declined terminal card. (The only failure sample in its
    Terminal docs is `invoice.payment_failed`, a *subscription* invoice event carrying nothing that names
    the payment request — docs/paystack.md §7 — so sending it would invent a link Paystack does not give.)
    """
    return _finish(sandbox, terminal_id, "declined")


def time_out(sandbox, terminal_id):
    """Nobody paid before the terminal gave up: the push expires, nothing is paid."""
    return _finish(sandbox, terminal_id, "timed_out")


def _finish(sandbox, terminal_id, outcome):
    with sandbox.store.write() as data:
        terminal, event = _armed_push(data, terminal_id)
        _end_push(terminal, event, outcome)
        return {"event": dict(event)}


def _armed_push(data, terminal_id):
    terminal = find_terminal(data, terminal_id)
    if terminal["push"] is None:
        raise ApiError(409, f"Terminal {terminal_id} has no payment waiting")
    return terminal, data["events"][terminal["push"]]


def _end_push(terminal, event, outcome):
    event["state"] = outcome
    event["finished_at"] = iso_now()
    terminal["push"] = None
