"""The hosted pay page, `/pay/<request_code>`: where the desk's emails send a patient to pay online.

Paystack's own page (`https://paystack.com/pay/PRQ_…`, docs/paystack.md §3) shows the business, the amount and the
line items and takes a card. This one takes Paystack's test card with one button and then does what the
terminal's Approve does — books the transaction (channel "card") and sends `paymentrequest.success` and
`charge.success` — through the same functions. Plain HTML forms; no sign-in, as on Paystack.
"""
from flask import Blueprint, render_template, request

from devtools.sandbox import pos, records, shapes
from devtools.sandbox.common import ApiError, format_money
from devtools.sandbox.core import get_sandbox

bp = Blueprint("sandbox_checkout", __name__, url_prefix="/pay")


@bp.get("/<request_code>")
def show(request_code):
    return _page(request_code, cancelled=request.args.get("cancelled") == "1")


@bp.post("/<request_code>")
def pay(request_code):
    """Pay what is owed with the test card; a request that is paid, archived or unknown is refused in words."""
    sandbox = get_sandbox()
    try:
        with sandbox.store.write() as data:
            record = _find(data, request_code)
            records.ensure_collectable(record)
            transaction = records.record_card_payment(sandbox.store, record, request.host_url.rstrip("/"))
            webhooks = pos.payment_webhooks(data, record, transaction)
    except ApiError as error:
        return _page(request_code, problem=error.message, status=error.http_status)
    pos.publish_payment_webhooks(sandbox, webhooks)
    return _page(request_code, paid_reference=transaction["reference"])


def _find(data, request_code):
    record = records.find_payment_request(data, request_code) if request_code.startswith("PRQ_") else None
    if record is None:
        raise ApiError(404, "There is no payment request with this link. Check the link in your email.")
    return record


def _page(request_code, *, cancelled=False, problem=None, paid_reference=None, status=200):
    sandbox = get_sandbox()
    with sandbox.store.read() as data:
        try:
            record = _find(data, request_code)
        except ApiError as error:
            record, problem, status = None, error.message, error.http_status
        view = _request_view(data, record) if record else None
    return render_template(
        "sandbox/pay.html", business_name=sandbox.settings.business_name, request_code=request_code, view=view,
        cancelled=cancelled, problem=problem, paid_reference=paid_reference,
    ), status


def _request_view(data, record):
    currency = record["currency"]
    customer = shapes.customer_brief(data["customers"][str(record["customer"])])
    return {
        "record": record,
        "email": customer["email"],
        "payable": record["status"] == "pending" and not record["archived"],
        "lines": [
            {"name": item["name"], "quantity": int(item.get("quantity") or 1),
             "unit_text": format_money(int(item["amount"]), currency),
             "total_text": format_money(int(item["amount"]) * int(item.get("quantity") or 1), currency)}
            for item in record["line_items"]
        ],
        "taxes": [{"name": t["name"], "amount_text": format_money(int(t["amount"]), currency)} for t in record["tax"]],
        "amount_text": format_money(record["amount"], currency),
        "owed_text": format_money(records.pending_amount(record), currency),
    }
