"""The Paystack API itself (the subset the billing desk uses), with Paystack's paths, envelopes and messages."""
import math
import time
from datetime import timedelta

from flask import Blueprint, jsonify, request

from billing_desk.sandbox import pos, records, shapes
from billing_desk.sandbox.common import ApiError, iso, not_found, parse_iso, validation_error
from billing_desk.sandbox.core import get_sandbox
from billing_desk.sandbox.inputs import as_bool, as_int, as_object, query_int, read_body

bp = Blueprint("paystack_api", __name__)


@bp.before_request
def _authenticate_and_misbehave():
    sandbox = get_sandbox()
    sandbox.api_calls.add(request.method, request.path, request.query_string.decode("utf-8", "replace"))
    header = request.headers.get("Authorization", "")
    if header != f"Bearer {sandbox.settings.secret_key}":
        return jsonify({"status": False, "message": "Invalid key"}), 401
    latency_ms = sandbox.faults.get("latency_ms")
    if latency_ms:
        time.sleep(latency_ms / 1000)
    if sandbox.faults.take("fail_next"):
        return jsonify({"status": False, "message": "An error occurred", "type": "api_error"}), 500
    return None


@bp.errorhandler(ApiError)
def _api_error(error):
    return jsonify(error.body()), error.http_status


def ok(message, data=None, meta=None, **fields):
    body = {"status": True, "message": message}
    if data is not None:
        body["data"] = data
    if meta is not None:
        body["meta"] = meta
    body.update(fields)
    return jsonify(body)


def paginate(items):
    """Paystack's page-based pagination (`perPage`, `page`) and its meta block."""
    per_page = query_int("perPage", 50, aliases=("per_page",))
    page = query_int("page", 1)
    skipped = (page - 1) * per_page
    meta = {
        "total": len(items),
        "skipped": skipped,
        "perPage": per_page,
        "page": page,
        "pageCount": math.ceil(len(items) / per_page),
    }
    return items[skipped:skipped + per_page], meta


def in_date_window(records_, field="created_at"):
    """Keep records created within the `from`/`to` query window (a date-only `to` includes that whole day)."""
    start = _query_time("from", ("start_date",))
    end = _query_time("to", ("end_date",))
    kept = []
    for record in records_:
        moment = parse_iso(record[field])
        if (start is None or moment >= start) and (end is None or moment <= end):
            kept.append(record)
    return kept


def _query_time(name, aliases):
    for key in (name, *aliases):
        raw = request.args.get(key)
        if raw:
            moment = parse_iso(raw)
            if moment is None:
                raise validation_error(f"{key} should be an ISO 8601 date or datetime")
            if name == "to" and len(raw.strip()) == 10:
                moment += timedelta(days=1) - timedelta(microseconds=1)
            return moment
    return None


def newest_first(collection):
    return sorted(collection.values(), key=lambda r: r["id"], reverse=True)


# ---- customers -------------------------------------------------------------------------------------------

@bp.post("/customer")
def create_customer():
    body = read_body()
    store = get_sandbox().store
    with store.write():
        customer = records.create_customer(
            store,
            body.get("email"),
            first_name=body.get("first_name"),
            last_name=body.get("last_name"),
            phone=body.get("phone"),
            metadata=as_object(body.get("metadata")),
        )
        return ok("Customer created", shapes.customer_created(customer))


@bp.get("/customer")
def list_customers():
    with get_sandbox().store.read() as data:
        page, meta = paginate(in_date_window(newest_first(data["customers"])))
        return ok("Customers retrieved", [shapes.customer_listed(c) for c in page], meta)


@bp.get("/customer/<key>")
def fetch_customer(key):
    with get_sandbox().store.read() as data:
        return ok("Customer retrieved", shapes.customer_detail(data, _customer_or_404(data, key)))


@bp.put("/customer/<key>")
def update_customer(key):
    body = read_body()
    changes = {name: body[name] for name in ("first_name", "last_name", "phone") if name in body}
    if "metadata" in body:
        changes["metadata"] = as_object(body["metadata"])
    with get_sandbox().store.write() as data:
        customer = records.update_customer(_customer_or_404(data, key), changes)
        return ok("Customer updated", shapes.customer_detail(data, customer))


def _customer_or_404(data, key):
    customer = records.find_customer(data, key)
    if customer is None:
        raise not_found("Customer not found")
    return customer


# ---- payment requests ------------------------------------------------------------------------------------

@bp.post("/paymentrequest")
def create_payment_request():
    sandbox = get_sandbox()
    body = read_body()
    fields = _payment_request_fields(body)
    with sandbox.store.write() as data:
        if body.get("customer") in (None, ""):
            raise validation_error("Customer is required")
        customer = records.find_customer(data, body["customer"])
        if customer is None:
            raise validation_error("Customer with the provided id or code not found")
        record = records.create_payment_request(sandbox.store, customer, **fields)
        created = shapes.request_created(record)
        pending_webhook = shapes.request_webhook(record)
    if sandbox.faults.get("send_pending_webhook") and record["status"] == "pending":
        sandbox.webhooks.publish([("paymentrequest.pending", pending_webhook)])
    if sandbox.faults.take("timeout_after_create_next"):
        time.sleep(sandbox.faults.get("timeout_sleep_s"))
    return ok("Payment request created", created)


def _payment_request_fields(body):
    """Validate the create body; returns the keyword arguments of `records.create_payment_request`."""
    line_items = body.get("line_items") or []
    tax = body.get("tax") or []
    if not isinstance(line_items, list) or not isinstance(tax, list):
        raise validation_error("line_items and tax should be arrays")
    for item in line_items:
        if not isinstance(item, dict) or not item.get("name"):
            raise validation_error("line_items.name is required")
    line_items = [{**item, "quantity": item.get("quantity", 1)} for item in line_items]
    if line_items or tax:
        amount = records.request_total(line_items, tax)
    elif body.get("amount") in (None, ""):
        raise validation_error("Amount is required when no line_items or tax are given")
    else:
        amount = as_int(body["amount"], "amount")
    if amount <= 0:
        raise validation_error("Amount should be greater than 0")
    currency = str(body.get("currency") or "NGN").upper()
    if currency not in records.REQUEST_CURRENCIES:
        raise validation_error(f"Currency should be one of: {', '.join(records.REQUEST_CURRENCIES)}")
    invoice_number = body.get("invoice_number")
    return {
        "amount": amount,
        "currency": currency,
        "line_items": line_items,
        "tax": tax,
        "options": {
            "due_date": _due_date(body.get("due_date")),
            "description": body.get("description"),
            "send_notification": as_bool(body.get("send_notification"), "send_notification", True),
            "draft": as_bool(body.get("draft"), "draft", False),
            "has_invoice": as_bool(body.get("has_invoice"), "has_invoice", False),
            "invoice_number": None if invoice_number in (None, "") else as_int(invoice_number, "invoice_number"),
            "metadata": as_object(body.get("metadata")),
            "split_code": body.get("split_code") or None,
        },
    }


def _due_date(raw):
    if raw in (None, ""):
        return None
    moment = parse_iso(raw)
    if moment is None:
        raise validation_error("due_date should be an ISO 8601 date")
    return iso(moment)


@bp.get("/paymentrequest")
def list_payment_requests():
    args = request.args
    include_archived = as_bool(args.get("include_archive"), "include_archive", False)
    with get_sandbox().store.read() as data:
        found = [r for r in newest_first(data["payment_requests"]) if include_archived or not r["archived"]]
        if args.get("customer"):
            customer = records.find_customer(data, args["customer"])
            found = [r for r in found if customer and r["customer"] == customer["id"]]
        if args.get("status"):
            found = [r for r in found if r["status"] == args["status"]]
        if args.get("currency"):
            found = [r for r in found if r["currency"] == args["currency"].upper()]
        page, meta = paginate(in_date_window(found))
        return ok("Payment requests retrieved", [shapes.request_detail(data, r) for r in page], meta)


@bp.get("/paymentrequest/totals")
def payment_request_totals():
    sums = {"pending": {}, "successful": {}, "total": {}}
    with get_sandbox().store.read() as data:
        for record in data["payment_requests"].values():
            if record["archived"] or record["status"] not in ("pending", "success"):
                continue
            bucket = sums["successful" if record["status"] == "success" else "pending"]
            for target in (bucket, sums["total"]):
                target[record["currency"]] = target.get(record["currency"], 0) + record["amount"]
    return ok("Payment request totals", {
        key: [{"currency": currency, "amount": amount} for currency, amount in per_currency.items()]
        for key, per_currency in sums.items()
    })


@bp.get("/paymentrequest/<id_or_code>")
def fetch_payment_request(id_or_code):
    with get_sandbox().store.read() as data:
        return ok("Payment request retrieved", shapes.request_detail(data, _request_or_404(data, id_or_code)))


@bp.get("/paymentrequest/verify/<id_or_code>")
def verify_payment_request(id_or_code):
    sandbox = get_sandbox()
    with sandbox.store.read() as data:
        record = _request_or_404(data, id_or_code)
        if record["archived"]:
            raise validation_error("Payment request has been archived")
        verified = shapes.request_verified(data, record, sandbox.integration_object())
        return ok("Payment request retrieved", verified)


@bp.post("/paymentrequest/notify/<id_or_code>")
def notify_payment_request(id_or_code):
    with get_sandbox().store.write() as data:
        record = _request_or_404(data, id_or_code)
        if record["archived"] or record["status"] == "draft":
            kind = "archived" if record["archived"] else "draft"
            raise validation_error(f"Cannot send a notification for a {kind} payment request")
        records.add_notification(record)
        return ok("Notification sent")


@bp.post("/paymentrequest/archive/<id_or_code>")
def archive_payment_request(id_or_code):
    with get_sandbox().store.write() as data:
        record = _request_or_404(data, id_or_code)
        record["archived"] = True
        return ok("Payment request has been archived")


@bp.post("/paymentrequest/finalize/<id_or_code>")
def finalize_payment_request(id_or_code):
    body = read_body()
    with get_sandbox().store.write() as data:
        record = _request_or_404(data, id_or_code)
        if record["status"] != "draft":
            raise validation_error("Payment request has already been finalized")
        record["status"] = "pending"
        if as_bool(body.get("send_notification"), "send_notification", True):
            records.add_notification(record)
        return ok("Payment request finalized", shapes.request_detail(data, record))


def _request_or_404(data, id_or_code):
    record = records.find_payment_request(data, id_or_code)
    if record is None:
        raise not_found("Payment request not found")
    return record


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
            found = [t for t in found if t["source"]["identifier"] == args["terminal_id"]]
        if args.get("channel"):
            found = [t for t in found if t["channel"] == args["channel"]]
        if args.get("source"):
            found = [t for t in found if t["source"]["source"] == args["source"]]
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
        refund = records.create_refund(
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
        records.settle_refund(sandbox.store, refund, sandbox.faults.get("refund_outcome"))
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
