"""Refund records in the sandbox's store: how much of a transaction can still be refunded, creating a refund and
settling it. Call these while holding `store.write()`; the Paystack-facing shapes are built by `shapes.py`."""
from datetime import timedelta

from devtools.sandbox.common import ApiError, iso, iso_now, random_code, utcnow, validation_error


def refundable_amount(data, transaction):
    held = sum(
        r["amount"]
        for r in data["refunds"].values()
        if r["transaction"] == transaction["id"] and r["status"] != "failed"
    )
    return transaction["amount"] - held


def create_refund(store, transaction, amount, currency, customer_note, merchant_note, refunded_by):
    if transaction["status"] == "reversed":
        raise validation_error("Transaction has been fully reversed")
    if transaction["status"] != "success":
        raise validation_error("Only successful transactions can be refunded")
    if currency and currency.upper() != transaction["currency"]:
        raise validation_error("Refund currency must match the transaction currency")
    remaining = refundable_amount(store.data, transaction)
    amount = remaining if amount is None else amount
    if amount <= 0 or remaining <= 0:
        raise validation_error("Refund amount should be greater than 0")
    if amount > remaining:
        raise validation_error("Refund amount cannot be greater than the unrefunded transaction amount")
    now = utcnow()
    note = f"Refund for transaction {transaction['reference']}"
    refund = {
        "id": store.next_id("refund"),
        "integration": store.integration_id,
        "domain": store.domain,
        "transaction": transaction["id"],
        "dispute": None,
        "settlement": None,
        "amount": amount,
        "deducted_amount": 0,
        "fully_deducted": False,
        "currency": transaction["currency"],
        "channel": None,
        "status": "pending",
        "refunded_by": refunded_by,
        "refunded_at": None,
        "expected_at": iso(now + timedelta(days=1)),
        "customer_note": customer_note or note,
        "merchant_note": merchant_note or f"{note} by {refunded_by}",
        "refund_reference": None,
        "refund_type": "full" if amount == transaction["amount"] else "partial",
        "created_at": iso(now),
        "updated_at": iso(now),
    }
    store.data["refunds"][str(refund["id"])] = refund
    return refund


def settle_refund(store, refund, outcome):
    """Move a pending refund to `processed` or `failed`, updating the transaction as Paystack does."""
    if outcome not in ("processed", "failed"):
        raise ApiError(400, f"unknown refund outcome {outcome!r}")
    transaction = store.data["transactions"][str(refund["transaction"])]
    refund.update(status=outcome, updated_at=iso_now())
    if outcome == "processed":
        refund.update(
            refunded_at=refund["updated_at"],
            refund_reference="RFN" + random_code(7, "0123456789"),
            deducted_amount=refund["amount"],
            fully_deducted=True,
        )
        if refundable_amount(store.data, transaction) == 0 and _all_settled(store.data, transaction):
            transaction["status"] = "reversed"
    else:
        refund["refund_reference"] = "TRF_" + random_code(9)
    return refund


def _all_settled(data, transaction):
    return all(
        r["status"] == "processed" for r in data["refunds"].values()
        if r["transaction"] == transaction["id"] and r["status"] != "failed"
    )
