"""The virtual terminals page: what was pushed to each terminal, and buttons for the person holding the card.

Plain HTML forms (post, then redirect back with a notice); a little script polls `/_sandbox/version` and
reloads when something changed, so a pushed invoice appears without touching the page.
"""
from decimal import Decimal, InvalidOperation

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from devtools.sandbox import pos, records
from devtools.sandbox.common import ApiError, format_money
from devtools.sandbox.core import get_sandbox
from devtools.sandbox.faults import DEFAULTS as FAULT_DEFAULTS
from devtools.sandbox.pdf import invoice_pdf

bp = Blueprint("sandbox_pages", __name__)

EVENT_STATES = {
    "waiting": "Waiting for the card",
    "approved": "Approved",
    "declined": "Declined",
    "timed_out": "Timed out",
    "shown": "Shown on screen",
    "undelivered": "Not delivered (terminal offline or busy)",
}
# How a terminal's last payment ended, in the words on its screen; a decline sends no webhook, so say so.
LAST_OUTCOMES = {
    "approved": "Approved — webhooks sent to the desk.",
    "declined": "Card declined — no webhook sent (Paystack sends none); the cashier stops waiting at the desk.",
    "timed_out": "Timed out — nobody paid; no webhook sent.",
}


@bp.get("/")
def index():
    sandbox = get_sandbox()
    with sandbox.store.read() as data:
        terminals = [_terminal_view(data, t) for t in sorted(data["terminals"].values(), key=lambda t: t["id"])]
        requests_ = [_request_view(data, r) for r in sorted(data["payment_requests"].values(),
                                                            key=lambda r: r["id"], reverse=True)[:15]]
    return render_template(
        "sandbox/terminals.html",
        terminals=terminals,
        payment_requests=requests_,
        deliveries=list(reversed(sandbox.webhooks.deliveries()))[:30],
        faults=sandbox.faults.snapshot(),
        fault_defaults=FAULT_DEFAULTS,
        settings=sandbox.settings,
        notice=request.args.get("notice"),
    )


def _terminal_view(data, terminal):
    push = data["events"][terminal["push"]] if terminal["push"] else None
    events = sorted((e for e in data["events"].values() if e["terminal_id"] == terminal["terminal_id"]),
                    key=lambda e: e["created_at"], reverse=True)[:5]
    last = events[0] if events and events[0]["state"] in LAST_OUTCOMES else None
    return {
        "terminal": terminal,
        "available_now": pos.is_available(terminal),
        "push": _event_view(data, push) if push else None,
        "events": [_event_view(data, e) for e in events],
        "last": {**_event_view(data, last), "outcome_text": LAST_OUTCOMES[last["state"]]} if last else None,
    }


def _event_view(data, event):
    view = {"event": event, "state_text": EVENT_STATES.get(event["state"], event["state"]), "request": None}
    if event["request_id"]:
        view["request"] = _request_view(data, data["payment_requests"][str(event["request_id"])])
    return view


def _request_view(data, record):
    customer = data["customers"][str(record["customer"])]
    name = " ".join(part for part in (customer["first_name"], customer["last_name"]) if part)
    return {
        "record": record,
        "customer_text": f"{name} <{customer['email']}>" if name else customer["email"],
        "amount_text": format_money(record["amount"], record["currency"]),
        "owed": records.pending_amount(record),
        "owed_text": format_money(records.pending_amount(record), record["currency"]),
        "paid_text": format_money(record["amount_paid"], record["currency"]),
    }


@bp.post("/terminals/<terminal_id>/approve")
def approve(terminal_id):
    raw = (request.form.get("amount_major") or "").strip()
    amount = None
    if raw:
        amount = _minor_units(raw)
        if amount is None:
            return _back(f"'{raw}' is not an amount in major units (for example 1500.00).")
    return _act(lambda sandbox: pos.approve(sandbox, terminal_id, amount, request.host_url.rstrip("/")),
                f"Terminal {terminal_id}: payment approved.")


def _minor_units(text):
    try:
        major = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    minor = major * 100
    if not minor.is_finite() or minor != minor.to_integral_value() or minor <= 0:
        return None
    return int(minor)


@bp.post("/terminals/<terminal_id>/decline")
def decline(terminal_id):
    return _act(lambda sandbox: pos.decline(sandbox, terminal_id), f"Terminal {terminal_id}: card declined.")


@bp.post("/terminals/<terminal_id>/timeout")
def time_out(terminal_id):
    return _act(lambda sandbox: pos.time_out(sandbox, terminal_id), f"Terminal {terminal_id}: payment timed out.")


@bp.post("/terminals/<terminal_id>/state")
def terminal_state(terminal_id):
    form = request.form
    return _act(lambda sandbox: pos.set_state(sandbox, terminal_id, form.get("online"), form.get("available")),
                f"Terminal {terminal_id} updated.")


@bp.post("/faults")
def faults():
    form = request.form
    changes = {
        name: (name in form) if isinstance(default, bool) else form.get(name, default)
        for name, default in FAULT_DEFAULTS.items()
    }
    return _act(lambda sandbox: sandbox.faults.update(changes), "Fault knobs saved.")


@bp.post("/reset")
def reset():
    return _act(lambda sandbox: sandbox.reset(), "Sandbox reset: all records, knobs and deliveries cleared.")


def _act(action, success_notice):
    try:
        action(get_sandbox())
    except ApiError as error:
        return _back(error.message)
    return _back(success_notice)


def _back(notice):
    return redirect(url_for("sandbox_pages.index", notice=notice), code=303)


@bp.get("/files/invoices/<int:integration>/<name>.pdf")
def invoice_file(integration, name):
    """The document behind a paid request's `pdf_url`."""
    with get_sandbox().store.read() as data:
        suffix = f"/{name}.pdf"
        record = next((r for r in data["payment_requests"].values() if (r["pdf_url"] or "").endswith(suffix)), None)
        if record is None or integration != record["integration"]:
            abort(404)
        lines = [
            "Paystack sandbox invoice",
            f"Request {record['request_code']}  Invoice #{record['invoice_number'] or '-'}",
            f"Amount {format_money(record['amount'], record['currency'])}",
            f"Paid {format_money(record['amount_paid'], record['currency'])} at {record['paid_at']}",
        ]
        lines += [f"{item['name']} x {item['quantity']}: {item['amount']}" for item in record["line_items"]]
    return Response(invoice_pdf(lines), mimetype="application/pdf")
