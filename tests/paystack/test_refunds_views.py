"""Refund and review pages: administrators only, validation, cash refunds, resolving reviews, the invoice partial."""
import pytest
from flask import render_template
from flask_login import login_user
from sqlalchemy import select

from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Invoice, PaymentReview, Refund
from tests.factories import make_issued_invoice
from tests.paystack.webhook_fixtures import form_post


@pytest.fixture
def payment(app):
    invoice = make_issued_invoice(lines=((500000, 2),))
    payment = record_payment(invoice.id, PaymentDetails(amount_minor=1_000_000, currency="NGN", channel="cash"), actor_id=None)
    db.session.commit()
    return payment


@pytest.fixture
def review(app):
    review = PaymentReview(kind="amount_mismatch", paystack_reference="pos_review1", expected_minor=750000,
                           received_minor=700000, currency="NGN", detail="Requested 750000, took 700000.")
    db.session.add(review)
    db.session.commit()
    return review


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/payments/{payment}/refund"), ("post", "/payments/{payment}/refund"), ("get", "/admin/reviews"),
     ("post", "/admin/reviews/{review}/resolve"), ("get", "/paystack/events")],
)
def test_cashiers_get_403(cashier_client, payment, review, method, url):
    url = url.format(payment=payment.id, review=review.id)
    response = cashier_client.get(url) if method == "get" else form_post(cashier_client, url, {"note": "x"})
    assert response.status_code == 403
    assert db.session.scalars(select(Refund)).all() == []
    assert db.session.get(PaymentReview, review.id).status == "open"


def test_signed_out_is_sent_to_sign_in(client, payment):
    response = client.get(f"/payments/{payment.id}/refund")
    assert response.status_code == 302 and "/login" in response.location


def test_unknown_payment_is_404(admin_client):
    assert admin_client.get("/payments/999/refund").status_code == 404


def test_refund_form_offers_cash_only_for_cash_payments(admin_client, payment):
    page = admin_client.get(f"/payments/{payment.id}/refund").get_data(as_text=True)
    assert "Cash at the desk" in page and 'value="paystack"' not in page
    assert "10,000.00" in page


def test_cash_refund_from_the_form(admin_client, admin, payment):
    response = form_post(admin_client, 
        f"/payments/{payment.id}/refund", {"amount": "2,500.00", "method": "cash", "reason": "Test not done"}
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/invoices/{payment.invoice_id}")
    refund = db.session.scalars(select(Refund)).one()
    assert (refund.amount_minor, refund.status, refund.created_by_id) == (250000, "processed", admin.id)
    invoice = db.session.get(Invoice, payment.invoice_id)
    assert (invoice.status, invoice.amount_paid_minor) == ("partially_refunded", 750000)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"amount": "", "method": "cash", "reason": "x"}, "Enter an amount."),
        ({"amount": "abc", "method": "cash", "reason": "x"}, "as a number"),
        ({"amount": "0", "method": "cash", "reason": "x"}, "more than zero"),
        ({"amount": "10000.01", "method": "cash", "reason": "x"}, "can still be refunded"),
        ({"amount": "1.005", "method": "cash", "reason": "x"}, "decimal places"),
        ({"amount": "10", "method": "cash", "reason": ""}, "Give a reason"),
        ({"amount": "10", "method": "paystack", "reason": "x"}, "Pick how the money goes back."),
    ],
)
def test_bad_refund_input_is_422_and_saves_nothing(admin_client, payment, data, error):
    response = form_post(admin_client, f"/payments/{payment.id}/refund", data)
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    assert db.session.scalars(select(Refund)).all() == []


def test_double_submit_makes_one_refund(admin_client, payment):
    data = {"amount": "100", "method": "cash", "reason": "x", "submission_key": "same-key"}
    form_post(admin_client, f"/payments/{payment.id}/refund", data)
    form_post(admin_client, f"/payments/{payment.id}/refund", data)
    assert len(db.session.scalars(select(Refund)).all()) == 1


def test_reviews_page_lists_and_resolves(admin_client, admin, review):
    page = admin_client.get("/admin/reviews").get_data(as_text=True)
    assert "pos_review1" in page and "Amount differs from the request" in page
    missing_note = form_post(admin_client, f"/admin/reviews/{review.id}/resolve", {"note": "  "})
    assert missing_note.status_code == 422
    assert db.session.get(PaymentReview, review.id).status == "open"
    done = form_post(admin_client, f"/admin/reviews/{review.id}/resolve", {"note": "Refunded the difference"})
    assert done.status_code == 302
    resolved = db.session.get(PaymentReview, review.id)
    assert (resolved.status, resolved.resolved_by_id, resolved.resolution_note) == ("resolved", admin.id, "Refunded the difference")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "payment_review.resolved")).one()
    assert (entry.actor_id, entry.note) == (admin.id, "Refunded the difference")
    assert "pos_review1" not in admin_client.get("/admin/reviews").get_data(as_text=True)
    assert "pos_review1" in admin_client.get("/admin/reviews?show=all").get_data(as_text=True)
    again = form_post(admin_client, f"/admin/reviews/{review.id}/resolve", {"note": "again"})
    assert again.status_code == 302 and db.session.get(PaymentReview, review.id).resolution_note == "Refunded the difference"


def test_resolving_an_unknown_review_is_404(admin_client):
    assert form_post(admin_client, "/admin/reviews/999/resolve", {"note": "x"}).status_code == 404


@pytest.mark.parametrize(("role", "has_link"), [("admin", True), ("cashier", False)])
def test_invoice_partial_lists_refunds_and_links_admins(app, payment, admin, cashier, role, has_link):
    from billing_desk.billing import refunds

    refunds.create_refund(payment.id, 100000, channel="cash", reason="Lab test cancelled")
    db.session.commit()
    invoice = db.session.get(Invoice, payment.invoice_id)
    with app.test_request_context():
        login_user(admin if role == "admin" else cashier)
        from billing_desk.invoices.panels import LOADERS

        html = render_template("refunds/_refunds.html", invoice=invoice,
                               panels={"refunds": LOADERS["refunds"](invoice)})
    assert "Lab test cancelled" in html and "Refunded" in html
    assert (f"/payments/{payment.id}/refund" in html) is has_link


def test_events_page_for_admins(admin_client):
    page = admin_client.get("/paystack/events")
    assert page.status_code == 200 and "No webhooks received yet" in page.get_data(as_text=True)
