"""Card details Paystack returns (brand, last four, authorisation code) are kept on the payment and printed."""
import pytest
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import Payment, PaymentRequest
from billing_desk.paystack import charges
from tests.factories import make_issued_invoice, make_patient, make_staff
from tests.paystack.webhook_fixtures import make_payment_request, make_terminal, transaction, verified_request

CARD = {"authorization_code": "AUTH_8dfhjjdt", "bin": "408408", "last4": "4081", "brand": "visa",
        "card_type": "visa ", "bank": "TEST BANK"}


def book(authorization, channel="card"):
    invoice = make_issued_invoice(patient=make_patient(), lines=((750000, 1),))
    payment_request = make_payment_request(invoice, staff=make_staff(), terminal=make_terminal())
    tx = transaction(amount=750000) | {"channel": channel, "authorization": authorization}
    if channel == "card":
        tx["source"] = None
    charges.apply_verified_request(db.session.get(PaymentRequest, payment_request.id),
                                 verified_request(payment_request, [tx]))
    db.session.commit()
    return db.session.scalars(select(Payment)).one()


@pytest.mark.parametrize(("authorization", "kept", "words"), [
    (CARD, ("visa", "4081", "AUTH_8dfhjjdt"), "Visa ending 4081"),
    ({"exp_month": None, "account_name": None}, (None, None, None), None),  # a terminal payment's usual shape
    (None, (None, None, None), None),
    ("AUTH_x", (None, None, None), None),
    ({"brand": " mastercard ", "last4": "12a4", "authorization_code": 5}, ("mastercard", None, None), "Mastercard"),
    ({"last4": "4081123", "brand": "x" * 40}, ("x" * 20, None, None), "X" + "x" * 19),
])
def test_the_card_paystack_describes_is_kept_on_the_payment(app, authorization, kept, words):
    payment = book(authorization)
    assert (payment.card_brand, payment.card_last4, payment.card_authorization) == kept
    assert payment.card_words == words


def test_the_receipt_shows_the_card(cashier_client):
    payment = book(CARD)
    cashier_client.post_form(f"/payments/{payment.id}/receipt/roll")
    html = cashier_client.get(f"/payments/{payment.id}/receipt/roll/1").get_data(as_text=True)
    assert "Card (online)" in html and "Visa ending 4081" in html and "AUTH_8dfhjjdt" in html
    assert payment.paystack_reference in html
    assert "Visa ending 4081" in cashier_client.get(f"/payments/{payment.id}").get_data(as_text=True)
