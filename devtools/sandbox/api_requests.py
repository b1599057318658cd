"""The sandbox's Payment Request API (`/paymentrequest…`), on the API blueprint of `api.py`."""
import time

from flask import request

from devtools.sandbox import records, shapes
from devtools.sandbox.api import bp, in_date_window, newest_first, ok, paginate
from devtools.sandbox.common import iso, not_found, parse_iso, validation_error
from devtools.sandbox.core import get_sandbox
from devtools.sandbox.inputs import as_bool, as_int, as_object, read_body


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
