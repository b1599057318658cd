"""The Paystack API itself (the subset the billing desk uses), with Paystack's paths, envelopes and messages."""
import math
import time
from datetime import timedelta

from flask import Blueprint, jsonify, request

from devtools.sandbox import records, shapes
from devtools.sandbox.common import ApiError, not_found, parse_iso, validation_error
from devtools.sandbox.core import get_sandbox
from devtools.sandbox.inputs import as_object, query_int, read_body

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
