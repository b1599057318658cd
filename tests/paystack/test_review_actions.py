"""Money in review has a home: an administrator books it when it fits, and the invoice page says it waits."""
import pytest
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Invoice, Payment, PaymentReview
from billing_desk.paystack.review_actions import ReviewRefused, actions_for, resolve_review
from tests.paystack.test_webhooks_integration import AMOUNT, app_config, count, desk, push  # noqa: F401
from tests.paystack.webhook_fixtures import (  # noqa: F401  (fixtures)
    form_post,
    live,
    live_config,
    queue_prefix,
    run_worker,
    sandbox_server,
)

pytestmark = pytest.mark.integration
LESS = AMOUNT - 250_000


@pytest.fixture
def review(live, desk):
    """The terminal took less than the live request asked: a review, nothing booked."""
    push(desk)
    live.approve(amount=LESS)
    live.wait()
    run_worker()
    return db.session.scalars(select(PaymentReview)).one()


def test_the_invoice_page_says_money_waits_in_review(review, admin_client, desk):
    page = admin_client.get(f"/invoices/{desk[0].id}").get_data(as_text=True)
    assert "is waiting in review" in page and "Amount differs from the request" in page


def test_money_that_fits_is_booked_from_review_and_audited(review, desk, admin):
    invoice = desk[0]
    assert [a.name for a in actions_for(review)] == ["book", "close"]
    resolve_review(review.id, "book", "Patient confirmed", actor_id=admin.id)
    db.session.commit()
    invoice = db.session.get(Invoice, invoice.id)
    assert (invoice.amount_paid_minor, invoice.status) == (LESS, "partially_paid")
    payment = db.session.scalars(select(Payment)).one()
    assert payment.paystack_reference == review.paystack_reference and payment.channel == "card_terminal"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "payment_review.resolved"))
    assert (entry.actor_id, entry.after["action"]) == (admin.id, "book")
    assert "booked as payment" in db.session.get(PaymentReview, review.id).resolution_note
    with pytest.raises(ReviewRefused, match="already resolved"):
        resolve_review(review.id, "book", "again", actor_id=admin.id)


def test_money_that_does_not_fit_cannot_be_booked(review, desk, admin):
    invoice = db.session.get(Invoice, desk[0].id)
    invoice.status = "void"
    db.session.commit()
    assert [a.name for a in actions_for(review)] == ["close"]
    with pytest.raises(ReviewRefused, match="not possible"):
        resolve_review(review.id, "book", "try", actor_id=admin.id)
    db.session.rollback()
    assert count(Payment) == 0


def test_the_reviews_page_offers_the_actions_and_books(review, admin_client):
    page = admin_client.get("/admin/reviews").get_data(as_text=True)
    assert 'value="book"' in page and 'value="close"' in page
    response = form_post(admin_client, f"/admin/reviews/{review.id}/resolve", {"action": "book", "note": "ok"})
    assert response.status_code == 302
    assert count(Payment) == 1
