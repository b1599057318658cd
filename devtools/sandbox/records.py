"""Creating, finding and changing records in the store. Call these while holding `store.write()`/`read()`.

Records are kept close to Paystack's own fields; the Paystack-facing shapes are built by `shapes.py`.
Money is always an int in the currency's subunit.
"""
import re
import string
from datetime import timedelta

from devtools.sandbox.common import (
    ApiError,
    iso,
    iso_now,
    not_found,
    random_code,
    utcnow,
    validation_error,
)
from devtools.sandbox.inputs import as_int

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REQUEST_CURRENCIES = ("NGN", "GHS", "ZAR", "USD")


# ---- customers -------------------------------------------------------------------------------------------

def find_customer(data, key):
    """A customer by integer id, `CUS_` code or email (case-insensitive), or None."""
    key = str(key).strip()
    if key.isdigit():
        return data["customers"].get(key)
    field, wanted = ("email", key.lower()) if "@" in key else ("customer_code", key)
    return next((c for c in data["customers"].values() if c[field] == wanted), None)


def create_customer(store, email, first_name=None, last_name=None, phone=None, metadata=None):
    """A known email gives back the existing customer unchanged, as Paystack does (docs/paystack.md §2)."""
    email = (email or "").strip().lower()
    if not email:
        raise validation_error("Email is required")
    if not EMAIL_RE.match(email):
        raise validation_error("Invalid Email Address Passed")
    existing = find_customer(store.data, email)
    if existing:
        return existing
    now = iso_now()
    customer = {
        "id": store.next_id("customer"),
        "customer_code": "CUS_" + random_code(15),
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "phone": phone,
        "metadata": metadata,
        "integration": store.integration_id,
        "domain": store.domain,
        "risk_action": "default",
        "identified": False,
        "identifications": None,
        "created_at": now,
        "updated_at": now,
    }
    store.data["customers"][str(customer["id"])] = customer
    return customer


def update_customer(customer, changes):
    customer.update(changes)
    customer["updated_at"] = iso_now()
    return customer


def new_pos_customer(store):
    """The throwaway customer Paystack attaches to a terminal charge (`pos_…@email.com`), not the patient."""
    return create_customer(store, f"pos_{random_code(6)}-{random_code(2)}@email.com")


# ---- payment requests ------------------------------------------------------------------------------------

def find_payment_request(data, id_or_code):
    key = str(id_or_code).strip()
    if key.isdigit():
        return data["payment_requests"].get(key)
    return next((r for r in data["payment_requests"].values() if r["request_code"] == key), None)


def request_total(line_items, tax):
    """Paystack's rule: Σ(unit amount × quantity) + Σ(tax amount). Amounts may arrive as strings."""
    total = 0
    for item in line_items:
        quantity = as_int(item.get("quantity", 1), "line_items.quantity")
        if quantity < 1:
            raise validation_error("line_items.quantity should be at least 1")
        total += as_int(_required(item, "amount", "line_items"), "line_items.amount") * quantity
    for entry in tax:
        total += as_int(_required(entry, "amount", "tax"), "tax.amount")
    return total


def _required(entry, field, where):
    if not isinstance(entry, dict) or entry.get(field) in (None, ""):
        raise validation_error(f"{where}.{field} is required")
    return entry[field]


def create_payment_request(store, customer, amount, currency, line_items, tax, options):
    """`options`: due_date, description, send_notification, draft, has_invoice, invoice_number, metadata,
    split_code (already validated)."""
    request_id = store.next_id("payment_request")
    has_invoice = bool(line_items or tax or options["has_invoice"])
    now = iso_now()
    record = {
        "id": request_id,
        "integration": store.integration_id,
        "domain": store.domain,
        "amount": amount,
        "currency": currency,
        "due_date": options["due_date"],
        "has_invoice": has_invoice,
        "invoice_number": _next_invoice_number(store.data, options["invoice_number"]) if has_invoice else None,
        "description": options["description"],
        "line_items": line_items,
        "tax": tax,
        "request_code": "PRQ_" + random_code(15),
        "status": "draft" if options["draft"] else "pending",
        "paid": False,
        "paid_at": None,
        "metadata": options["metadata"],
        "notifications": [],
        "offline_reference": f"{store.integration_id}{request_id}",
        "customer": customer["id"],
        "created_at": now,
        "updated_at": now,
        "discount": None,
        "split_code": options["split_code"],
        "pdf_url": None,
        "archived": False,
        "amount_paid": 0,
        "transactions": [],
    }
    if options["send_notification"] and not options["draft"]:
        add_notification(record)
    store.data["payment_requests"][str(request_id)] = record
    return record


def _next_invoice_number(data, requested):
    """Invoice numbers auto-increment from 1; a given number is used and later ones continue from it."""
    counters = data["counters"]
    counters["invoice_number"] = requested if requested is not None else counters["invoice_number"] + 1
    return counters["invoice_number"]


def add_notification(record):
    record["notifications"].append({"sent_at": iso_now(), "channel": "email"})


def pending_amount(record):
    return max(0, record["amount"] - record["amount_paid"])


def payable_request(data, request_id, reference=None):
    """The live (pending, not archived) request a terminal may be asked to collect, or 404 Invoice not found."""
    record = find_payment_request(data, request_id) if str(request_id).strip().isdigit() else None
    if (
        record is None
        or record["archived"]
        or record["status"] != "pending"
        or (reference not in (None, "") and str(reference) != record["offline_reference"])
    ):
        raise not_found("Invoice not found")
    return record


# ---- payments on a request ------------------------------------------------------------------------------

# What a payment with Paystack's documented test card shows in `authorization` (a hosted-page payment).
TEST_CARD_AUTHORIZATION = {
    "bin": "408408", "last4": "4081", "exp_month": "12", "exp_year": "2030", "channel": "card",
    "card_type": "visa ", "bank": "TEST BANK", "country_code": "NG", "brand": "visa", "reusable": True,
    "account_name": None,
}


def ensure_collectable(request_record):
    """Refuse a payment on a request that is paid, failed or archived (409, as nothing is owed on it)."""
    if request_record["status"] != "pending" or request_record["archived"]:
        state = "archived" if request_record["archived"] else request_record["status"]
        raise ApiError(409, f"Payment request is {state}; nothing to collect")


def record_pos_payment(store, request_record, terminal_id, amount, pdf_base_url):
    """Book a card payment taken on a terminal: a throwaway POS customer, `channel` "pos" and the terminal in
    `source` (docs/paystack.md §7 — nothing in it points at the request)."""
    return _record_payment(
        store, request_record, amount, pdf_base_url, channel="pos", reference="pos_" + random_code(10),
        customer_id=new_pos_customer(store)["id"],
        source={"type": "offline", "source": "pos", "entry_point": "pos_initialize", "identifier": terminal_id},
    )


def record_card_payment(store, request_record, pdf_base_url):
    """Book what is owed on a request as paid by the request's own customer with the test card on the hosted
    pay page: `channel` "card", no terminal."""
    return _record_payment(
        store, request_record, pending_amount(request_record), pdf_base_url, channel="card",
        reference=random_code(10, string.ascii_letters + string.digits),
        customer_id=request_record["customer"],
        authorization={"authorization_code": "AUTH_" + random_code(10), **TEST_CARD_AUTHORIZATION,
                       "signature": "SIG_" + random_code(20)},
    )


def _record_payment(store, request_record, amount, pdf_base_url, *, channel, reference, customer_id, source=None,
                    authorization=None):
    """Book a successful transaction on `request_record`; returns it.

    A payment that covers what is still owed marks the request paid (status "success"); a smaller one is
    recorded in `amount_paid`/`transactions` and leaves the request "pending" for the rest.
    """
    if amount <= 0:
        raise validation_error("amount should be greater than 0")
    now = utcnow()
    transaction = {
        "id": store.next_id("transaction"),
        "domain": store.domain,
        "status": "success",
        "reference": reference,
        "amount": amount,
        "requested_amount": amount,
        "currency": request_record["currency"],
        "channel": channel,
        "paid_at": iso(now),
        "created_at": iso(now - timedelta(seconds=20)),
        "customer": customer_id,
        "source": source,
        "authorization": authorization,
        "payment_request": request_record["id"],
    }
    store.data["transactions"][str(transaction["id"])] = transaction
    request_record["transactions"].append(transaction["id"])
    request_record["amount_paid"] += amount
    request_record["updated_at"] = iso(now)
    if request_record["amount_paid"] >= request_record["amount"]:
        request_record.update(
            status="success",
            paid=True,
            paid_at=iso(now),
            pdf_url=f"{pdf_base_url}/files/invoices/{store.integration_id}/{random_code(15)}.pdf",
        )
    return transaction


# ---- transactions ----------------------------------------------------------------------------------------

def find_transaction(data, reference_or_id):
    key = str(reference_or_id).strip()
    if key.isdigit() and key in data["transactions"]:
        return data["transactions"][key]
    return next((t for t in data["transactions"].values() if t["reference"] == key), None)


def linked_patient(data, transaction):
    """The payment request's customer for a terminal charge (else the charge's own customer)."""
    request_record = data["payment_requests"].get(str(transaction.get("payment_request")))
    customer_id = request_record["customer"] if request_record else transaction["customer"]
    return data["customers"][str(customer_id)]
