"""Records → the JSON shapes Paystack sends, one function per documented shape (see docs/paystack.md §2-7).

Paystack is not consistent and clients depend on the inconsistencies, so these keep them on purpose:
a payment request's `customer` is an int id in the create response and webhooks but an object in
fetch/verify/list; a POS `charge.success` carries `amount`/`requested_amount` as strings and `metadata` 0;
`refund.pending`/`refund.processed` carry `amount` as a string, `refund.failed` as an int.
"""
from devtools.sandbox.records import linked_patient, pending_amount

# Keys and order of the payment request in the create response and in paymentrequest.* webhooks.
_REQUEST_CREATE_KEYS = (
    "id", "integration", "domain", "amount", "currency", "due_date", "has_invoice", "invoice_number",
    "description", "line_items", "tax", "request_code", "status", "paid", "metadata", "notifications",
    "offline_reference", "customer", "created_at", "discount", "split_code",
)
_REQUEST_WEBHOOK_KEYS = (
    "id", "domain", "amount", "currency", "due_date", "has_invoice", "invoice_number", "description",
    "pdf_url", "line_items", "tax", "request_code", "status", "paid", "paid_at", "metadata", "notifications",
    "offline_reference", "customer", "created_at", "discount", "split_code",
)
_EMPTY_POS_AUTHORIZATION = {
    "exp_month": None,
    "exp_year": None,
    "account_name": None,
    "receiver_bank_account_number": None,
    "receiver_bank": None,
}


def _pick(record, keys):
    return {key: record[key] for key in keys}


# ---- customers -------------------------------------------------------------------------------------------

def customer_brief(customer):
    """The customer object embedded in payment requests and transactions."""
    return {
        "id": customer["id"],
        "first_name": customer["first_name"],
        "last_name": customer["last_name"],
        "email": customer["email"],
        "customer_code": customer["customer_code"],
        "phone": customer["phone"],
        "metadata": customer["metadata"],
        "risk_action": customer["risk_action"],
        "international_format_phone": None,
    }


def customer_created(customer):
    return {
        "transactions": [],
        "subscriptions": [],
        "authorizations": [],
        "email": customer["email"],
        "first_name": customer["first_name"],
        "last_name": customer["last_name"],
        "phone": customer["phone"],
        "integration": customer["integration"],
        "domain": customer["domain"],
        "metadata": customer["metadata"],
        "customer_code": customer["customer_code"],
        "risk_action": customer["risk_action"],
        "id": customer["id"],
        "identified": customer["identified"],
        "identifications": customer["identifications"],
        "createdAt": customer["created_at"],
        "updatedAt": customer["updated_at"],
    }


def customer_listed(customer):
    return {
        "integration": customer["integration"],
        "first_name": customer["first_name"],
        "last_name": customer["last_name"],
        "email": customer["email"],
        "phone": customer["phone"],
        "metadata": customer["metadata"],
        "domain": customer["domain"],
        "customer_code": customer["customer_code"],
        "risk_action": customer["risk_action"],
        "id": customer["id"],
        "createdAt": customer["created_at"],
        "updatedAt": customer["updated_at"],
    }


def customer_detail(data, customer):
    """Fetch/update shape: the created shape plus totals, the customer's transactions and timestamps twice."""
    transactions = [t for t in data["transactions"].values() if t["customer"] == customer["id"]]
    successful = [t for t in transactions if t["status"] == "success"]
    values = {}
    for transaction in successful:
        values[transaction["currency"]] = values.get(transaction["currency"], 0) + transaction["amount"]
    return {
        **customer_created(customer),
        "transactions": [transaction_detail(data, t) for t in transactions],
        "created_at": customer["created_at"],
        "updated_at": customer["updated_at"],
        "total_transactions": len(transactions),
        "total_transaction_value": [{"currency": c, "amount": a} for c, a in values.items()],
        "dedicated_account": None,
        "dedicated_accounts": [],
    }


# ---- payment requests ------------------------------------------------------------------------------------

def request_created(record):
    return _pick(record, _REQUEST_CREATE_KEYS)


def request_webhook(record):
    return _pick(record, _REQUEST_WEBHOOK_KEYS)


def request_detail(data, record):
    """Fetch and list shape: `customer` becomes an object, with `transactions[]` and the paid/pending sums."""
    return {
        **_pick(record, _REQUEST_WEBHOOK_KEYS),
        "integration": record["integration"],
        "customer": customer_brief(data["customers"][str(record["customer"])]),
        "transactions": [request_transaction(data, data["transactions"][str(t)]) for t in record["transactions"]],
        "archived": record["archived"],
        "source": "user",
        "payment_method": None,
        "note": None,
        "amount_paid": record["amount_paid"],
        "pending_amount": pending_amount(record),
        "createdAt": record["created_at"],
        "updatedAt": record["updated_at"],
    }


def request_verified(data, record, integration):
    """Verify shape: the detail shape with `integration` as the object `{key, name, logo, allowed_currencies}`."""
    return {**request_detail(data, record), "integration": integration}


def request_transaction(data, transaction):
    """A `transactions[]` item of a fetched/verified request: the transaction plus its numeric `payment_request`."""
    return {**transaction_detail(data, transaction), "payment_request": transaction["payment_request"]}


# ---- transactions ----------------------------------------------------------------------------------------

def transaction_detail(data, transaction):
    """Verify/fetch/list shape of a transaction, terminal or hosted-page card (amounts as ints)."""
    return {
        "id": transaction["id"],
        "domain": transaction["domain"],
        "status": transaction["status"],
        "reference": transaction["reference"],
        "receipt_number": None,
        "amount": transaction["amount"],
        "message": "Payment Made",
        "gateway_response": "Approved or completed successfully",
        "paid_at": transaction["paid_at"],
        "created_at": transaction["created_at"],
        "channel": transaction["channel"],
        "currency": transaction["currency"],
        "ip_address": None,
        "metadata": 0,
        "log": None,
        "fees": None,
        "fees_split": None,
        "authorization": dict(transaction.get("authorization") or _EMPTY_POS_AUTHORIZATION),
        "customer": customer_brief(data["customers"][str(transaction["customer"])]),
        "plan": {},
        "split": {},
        "subaccount": {},
        "order_id": None,
        "paidAt": transaction["paid_at"],
        "createdAt": transaction["created_at"],
        "transaction_date": transaction["created_at"],
        "requested_amount": transaction["requested_amount"],
        "pos_transaction_data": None,
        "source": dict(transaction["source"]) if transaction.get("source") else None,
        "fees_breakdown": None,
        "connect": None,
        "plan_object": {},
    }


_POS_CHARGE_KEYS = (
    "id", "domain", "status", "reference", "amount", "message", "gateway_response", "paid_at", "created_at",
    "channel", "currency", "ip_address", "metadata", "log", "fees", "fees_split", "authorization",
    "customer", "plan", "subaccount", "split", "order_id", "paidAt", "requested_amount",
    "pos_transaction_data", "source",
)
_CARD_CHARGE_KEYS = (
    "id", "domain", "status", "reference", "amount", "message", "gateway_response", "paid_at", "created_at",
    "channel", "currency", "ip_address", "metadata", "log", "fees", "customer", "authorization", "plan",
)


def charge_success_webhook(data, transaction):
    """`charge.success`, key for key as the documented samples: a terminal payment's (amounts as strings,
    `source` naming the terminal) or a card payment's (amounts as ints, the card in `authorization`)."""
    detail = transaction_detail(data, transaction)
    if transaction["channel"] != "pos":
        return _pick(detail, _CARD_CHARGE_KEYS)
    shaped = _pick(detail, _POS_CHARGE_KEYS)
    shaped["amount"] = str(transaction["amount"])
    shaped["requested_amount"] = str(transaction["requested_amount"])
    return shaped


# ---- refunds ---------------------------------------------------------------------------------------------

def refund_created(data, refund):
    """Create response: `transaction` is an object here."""
    transaction = data["transactions"][str(refund["transaction"])]
    return {
        "transaction": {
            key: value for key, value in transaction_detail(data, transaction).items()
            if key in (
                "id", "domain", "reference", "amount", "paid_at", "channel", "currency", "authorization",
                "customer", "plan", "subaccount", "split", "order_id", "paidAt", "pos_transaction_data",
                "source", "fees_breakdown",
            )
        },
        "integration": refund["integration"],
        "deducted_amount": refund["deducted_amount"],
        "channel": refund["channel"],
        "merchant_note": refund["merchant_note"],
        "customer_note": refund["customer_note"],
        "status": refund["status"],
        "refunded_by": refund["refunded_by"],
        "expected_at": refund["expected_at"],
        "currency": refund["currency"],
        "domain": refund["domain"],
        "amount": refund["amount"],
        "fully_deducted": refund["fully_deducted"],
        "id": refund["id"],
        "createdAt": refund["created_at"],
        "updatedAt": refund["updated_at"],
    }


def refund_detail(data, refund):
    """Fetch/list shape: `transaction` is the int id, plus the transaction's reference and amount."""
    transaction = data["transactions"][str(refund["transaction"])]
    return {
        "integration": refund["integration"],
        "transaction": refund["transaction"],
        "dispute": refund["dispute"],
        "settlement": refund["settlement"],
        "id": refund["id"],
        "domain": refund["domain"],
        "currency": refund["currency"],
        "amount": refund["amount"],
        "status": refund["status"],
        "refunded_at": refund["refunded_at"],
        "refunded_by": refund["refunded_by"],
        "customer_note": refund["customer_note"],
        "merchant_note": refund["merchant_note"],
        "deducted_amount": refund["deducted_amount"],
        "fully_deducted": refund["fully_deducted"],
        "expected_at": refund["expected_at"],
        "createdAt": refund["created_at"],
        "created_at": refund["created_at"],
        "updatedAt": refund["updated_at"],
        "bank_reference": None,
        "transaction_reference": transaction["reference"],
        "reason": refund["customer_note"],
        "customer": customer_brief(linked_patient(data, transaction)),
        "refund_type": refund["refund_type"],
        "transaction_amount": transaction["amount"],
        "initiated_by": "merchant",
        "refund_channel": transaction["channel"],
        "session_id": None,
        "collect_account_number": False,
    }


def refund_webhook(data, refund):
    """`refund.pending|processed|failed` data; `amount` is a string except in `refund.failed`."""
    transaction = data["transactions"][str(refund["transaction"])]
    patient = linked_patient(data, transaction)
    return {
        "status": refund["status"],
        "transaction_reference": transaction["reference"],
        "refund_reference": refund["refund_reference"],
        "amount": refund["amount"] if refund["status"] == "failed" else str(refund["amount"]),
        "currency": refund["currency"],
        "processor": "mastercard",
        "customer": {key: patient[key] for key in ("first_name", "last_name", "email")},
        "integration": refund["integration"],
        "domain": refund["domain"],
    }


# ---- terminals -------------------------------------------------------------------------------------------

_TERMINAL_KEYS = (
    "id", "serial_number", "device_make", "terminal_id", "integration", "domain", "name", "address", "status",
)


def terminal_listed(terminal):
    return _pick(terminal, _TERMINAL_KEYS)


def terminal_detail(terminal):
    return {**terminal_listed(terminal), "split_code": terminal["split_code"]}
