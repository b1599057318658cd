"""/api/v1/payments, /refunds and /terminals: read-only views of the desk's money."""
from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.billing.refunds import create_refund
from billing_desk.extensions import db
from billing_desk.models import Terminal
from tests.api.conftest import error_of
from tests.factories import make_issued_invoice


def _paid(amount=750000, channel="cash", reference=None):
    invoice = make_issued_invoice(lines=((amount, 1),))
    payment = record_payment(invoice.id, PaymentDetails(amount_minor=amount, currency="NGN", channel=channel,
                                                        reference=reference))
    db.session.commit()
    return invoice, payment


def test_payments_list_filter_and_get(api):
    first_invoice, cash = _paid()
    _, transfer = _paid(channel="transfer", reference="TRF-1")
    listed = api.get("/payments").get_json()
    assert [p["id"] for p in listed["data"]] == [transfer.id, cash.id]
    assert [p["id"] for p in api.get("/payments", channel="cash").get_json()["data"]] == [cash.id]
    assert [p["id"] for p in api.get("/payments", invoice_id=first_invoice.id).get_json()["data"]] == [cash.id]
    one = api.get(f"/payments/{transfer.id}").get_json()
    assert (one["amount_minor"], one["currency"], one["channel"], one["reference"]) == (750000, "NGN", "transfer", "TRF-1")
    assert one["paid_at"].endswith("Z")
    assert error_of(api.get("/payments/999")) == ("not_found", None)
    assert error_of(api.get("/payments", channel="cheque"))[1] == "channel"


def test_refunds_list_and_get(api):
    invoice, payment = _paid()
    refund = create_refund(payment.id, 250000, channel="cash", reason="Test not done")
    db.session.commit()
    listed = api.get("/refunds", invoice_id=invoice.id).get_json()
    assert [(r["id"], r["status"], r["amount_minor"]) for r in listed["data"]] == [(refund.id, "processed", 250000)]
    assert api.get("/refunds", status="failed").get_json()["data"] == []
    assert api.get(f"/refunds/{refund.id}").get_json()["reason"] == "Test not done"
    assert error_of(api.get("/refunds/999")) == ("not_found", None)


def test_terminals_with_presence_in_words(api):
    db.session.add_all([Terminal(terminal_id="T1", name="Desk 1", desk="Front", active=True),
                        Terminal(terminal_id="T2", name="Spare", active=False)])
    db.session.commit()
    body = api.get("/terminals").get_json()
    # The suite's Paystack URL answers nothing: presence says so rather than failing the list.
    assert [(t["name"], t["presence"]) for t in body["data"]] == [
        ("Desk 1", "Unknown — Paystack did not answer"), ("Spare", "Not in use")]
