"""The sandbox's Terminal, Transaction and Refund APIs, on the API blueprint of `api.py`."""
from flask import request

from devtools.sandbox import pos, records, refund_records, shapes
from devtools.sandbox.api import bp, in_date_window, newest_first, ok, paginate
from devtools.sandbox.common import not_found, validation_error
from devtools.sandbox.core import get_sandbox
from devtools.sandbox.inputs import as_int, query_int, read_body


# ---- terminals -------------------------------------------------------------------------------------------

@bp.get("/terminal")
def list_terminals():
    per_page = query_int("perPage", 50, aliases=("per_page",))
    with get_sandbox().store.read() as data:
        terminals = sorted(data["terminals"].values(), key=lambda t: t["id"])
        start = _cursor_offset(request.args.get("next")) or _cursor_offset(request.args.get("previous"))
        window = terminals[start:start + per_page]
        meta = {
            "next": _cursor(start + per_page) if start + per_page < len(terminals) else None,
            "previous": _cursor(max(0, start - per_page)) if start > 0 else None,
            "perPage": per_page,
        }
        return ok("Terminals retrieved successfully", [shapes.terminal_listed(t) for t in window], meta)


def _cursor(offset):
    return f"dGVybWluYWw6{offset}"


def _cursor_offset(cursor):
    """Cursors are opaque to clients; here they end in the list offset."""
    prefix = _cursor("")
    if not cursor:
        return 0
    if not cursor.startswith(prefix) or not cursor[len(prefix):].isdigit():
        raise validation_error("Invalid cursor")
    return int(cursor[len(prefix):])


@bp.get("/terminal/<terminal_id>")
def fetch_terminal(terminal_id):
    with get_sandbox().store.read() as data:
        return ok("Terminal retrieved successfully", shapes.terminal_detail(pos.find_terminal(data, terminal_id)))


@bp.put("/terminal/<terminal_id>")
def update_terminal(terminal_id):
    body = read_body()
    with get_sandbox().store.write() as data:
        terminal = pos.find_terminal(data, terminal_id)
        terminal.update({name: body[name] for name in ("name", "address") if body.get(name) not in (None, "")})
        return ok("Terminal Details updated")


@bp.get("/terminal/<terminal_id>/presence")
def terminal_presence(terminal_id):
    with get_sandbox().store.read() as data:
        return ok("Terminal status retrieved", pos.presence(pos.find_terminal(data, terminal_id)))


@bp.post("/terminal/<terminal_id>/event")
def send_terminal_event(terminal_id):
    event = pos.send_event(get_sandbox(), terminal_id, read_body())
    return ok("Event sent to Terminal", {"id": event["id"]})


@bp.get("/terminal/<terminal_id>/event/<event_id>")
def terminal_event_status(terminal_id, event_id):
    return ok("Message Status Retrieved", pos.event_status(get_sandbox(), terminal_id, event_id))


# ---- transactions ----------------------------------------------------------------------------------------

@bp.get("/transaction/verify/<reference>")
def verify_transaction(reference):
    with get_sandbox().store.read() as data:
        transaction = next((t for t in data["transactions"].values() if t["reference"] == reference), None)
        if transaction is None:
            raise validation_error("Transaction reference not found")
        return ok("Verification successful", shapes.transaction_detail(data, transaction))


@bp.get("/transaction")
def list_transactions():
    args = request.args
    with get_sandbox().store.read() as data:
        found = newest_first(data["transactions"])
        if args.get("terminal_id"):
            found = [t for t in found if _source_field(t, "identifier") == args["terminal_id"]]
        if args.get("channel"):
            found = [t for t in found if t["channel"] == args["channel"]]
        if args.get("source"):
            found = [t for t in found if _source_field(t, "source") == args["source"]]
        if args.get("status"):
            found = [t for t in found if t["status"] == args["status"]]
        if args.get("amount"):
            found = [t for t in found if t["amount"] == as_int(args["amount"], "amount")]
        customer_key = args.get("customer") or args.get("customer_code")
        if customer_key:
            customer = records.find_customer(data, customer_key)
            found = [t for t in found if customer and t["customer"] == customer["id"]]
        page, meta = paginate(in_date_window(found))
        return ok("Transactions retrieved", [shapes.transaction_detail(data, t) for t in page], meta)


def _source_field(transaction, name):
    """A field of the transaction's `source`; a payment made online (the hosted pay page) has no source."""
    return (transaction.get("source") or {}).get(name)


@bp.get("/transaction/<transaction_id>")
def fetch_transaction(transaction_id):
    with get_sandbox().store.read() as data:
        transaction = data["transactions"].get(transaction_id) if transaction_id.isdigit() else None
        if transaction is None:
            raise not_found("Transaction not found")
        return ok("Transaction retrieved", shapes.transaction_detail(data, transaction))


# ---- refunds ---------------------------------------------------------------------------------------------

@bp.post("/refund")
def create_refund():
    sandbox = get_sandbox()
    body = read_body()
    if body.get("transaction") in (None, ""):
        raise validation_error("Transaction is required")
    amount = None if body.get("amount") in (None, "") else as_int(body["amount"], "amount")
    with sandbox.store.write() as data:
        transaction = records.find_transaction(data, body["transaction"])
        if transaction is None:
            raise not_found("Transaction not found")
        refund = refund_records.create_refund(
            sandbox.store, transaction, amount, body.get("currency"), body.get("customer_note"),
            body.get("merchant_note"), sandbox.settings.refunded_by,
        )
        created = shapes.refund_created(data, refund)
        pending_webhook = shapes.refund_webhook(data, refund)
    sandbox.webhooks.publish([("refund.pending", pending_webhook)])
    sandbox.scheduler.call_later(sandbox.faults.get("refund_delay_ms") / 1000, lambda: _settle(sandbox, refund["id"]))
    return ok("Refund has been queued for processing", created)


def _settle(sandbox, refund_id):
    """Background job: the processor answers; the refund becomes processed or failed and its webhook goes out."""
    with sandbox.store.write() as data:
        refund = data["refunds"].get(str(refund_id))
        if refund is None or refund["status"] != "pending":  # reset meanwhile
            return
        refund_records.settle_refund(sandbox.store, refund, sandbox.faults.get("refund_outcome"))
        webhook = shapes.refund_webhook(data, refund)
    sandbox.webhooks.publish([(f"refund.{refund['status']}", webhook)])


@bp.get("/refund")
def list_refunds():
    with get_sandbox().store.read() as data:
        found = newest_first(data["refunds"])
        if request.args.get("transaction"):
            transaction = records.find_transaction(data, request.args["transaction"])
            found = [r for r in found if transaction and r["transaction"] == transaction["id"]]
        page, meta = paginate(in_date_window(found))
        return ok("Refunds retrieved", [shapes.refund_detail(data, r) for r in page], meta)


@bp.get("/refund/<refund_id>")
def fetch_refund(refund_id):
    with get_sandbox().store.read() as data:
        refund = data["refunds"].get(refund_id) if refund_id.isdigit() else None
        if refund is None:
            raise not_found("Refund not found")
        return ok("Refund retrieved", shapes.refund_detail(data, refund))
