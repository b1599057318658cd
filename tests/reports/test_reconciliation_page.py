"""The reconciliation page: a validated day in, the real `paystack.reconcile.reconcile_day` run against the
Paystack sandbox, its findings out in words."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import Invoice, Payment
from billing_desk.paystack import sync
from billing_desk.timeutil import utcnow
from tests.factories import make_issued_invoice
from tests.paystack.webhook_fixtures import form_post
from tests.devtools.sandbox.running import paystack_sandbox, sandbox_session  # noqa: F401  (fixtures)


@pytest.fixture
def app_config(app_config, paystack_sandbox):
    return {**app_config, **paystack_sandbox.app_config()}


@pytest.fixture
def lost_webhook(app, paystack_sandbox):
    """An invoice charged on a terminal today and paid there, whose webhooks never reached the desk
    (the sandbox sends them nowhere): its payment request is still pending here. Returns (invoice, reference)."""
    invoice = make_issued_invoice(lines=((750_000, 1),))
    request = sync.ensure_payment_request(invoice.id)
    db.session.commit()  # as its callers do
    transaction = paystack_sandbox.paid_on_terminal(
        {"id": request.paystack_id, "offline_reference": request.offline_reference})
    return invoice, transaction["reference"]


def test_form_defaults_to_yesterday(admin_client):
    page = admin_client.get("/reports/reconciliation").get_data(as_text=True)
    assert f'value="{utcnow().date() - timedelta(days=1)}"' in page
    assert "<label for=\"day\">Day</label>" in page


def test_reconciling_a_day_books_the_lost_payment_and_names_the_unknown_one(admin_client, paystack_sandbox,
                                                                               lost_webhook):
    invoice, booked_reference = lost_webhook
    walk_in = paystack_sandbox.card_payment(400_000)["reference"]  # paid at Paystack, never at the desk

    response = form_post(admin_client, "/reports/reconciliation", {"day": utcnow().date().isoformat()})

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in ("1 difference(s) to look at", f"{walk_in}: Paystack 400000 NGN — desk: NOT RECORDED",
                 "<dt>Card payments at the desk</dt><dd>1</dd>", "<dt>Successful transactions at Paystack</dt><dd>2</dd>",
                 "1 (1 booked now, 0 flagged for review)"):
        assert text in page, text
    assert booked_reference not in page  # booked by the verify and matched: not a difference
    db.session.expire_all()
    payment = db.session.scalars(select(Payment)).one()
    assert (payment.invoice_id, payment.paystack_reference, payment.amount_minor) == (
        invoice.id, booked_reference, 750_000)
    assert db.session.get(Invoice, invoice.id).status == "paid"


def test_a_verify_that_fails_is_listed_and_its_payment_is_not_booked(admin_client, paystack_sandbox, lost_webhook):
    invoice, reference = lost_webhook
    paystack_sandbox.faults(fail_next=3)  # the verify and its two retries; the listing after it succeeds

    response = form_post(admin_client, "/reports/reconciliation", {"day": utcnow().date().isoformat()})

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Could not verify" in page and "PaystackUnavailable" in page
    assert f"{reference}: Paystack 750000 NGN — desk: NOT RECORDED" in page
    assert db.session.scalars(select(Payment)).all() == []


@pytest.mark.parametrize("day, message", [
    ("", "Pick the day to reconcile."),
    ("04/03/2026", "Enter the date as YYYY-MM-DD"),
    ("1999-12-31", "from 01 Jan 2000 on"),
    ((utcnow().date() + timedelta(days=1)).isoformat(), "cannot be in the future"),
])
def test_bad_days_are_field_errors(admin_client, paystack_sandbox, day, message):
    response = form_post(admin_client, "/reports/reconciliation", {"day": day})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert paystack_sandbox.calls() == []  # nothing was reconciled


def test_paystack_down_is_a_clear_message(admin_client, paystack_sandbox):
    paystack_sandbox.down()
    response = form_post(admin_client, "/reports/reconciliation", {"day": "2026-03-04"})
    assert response.status_code == 502
    assert "Paystack could not be reached, nothing was compared" in response.get_data(as_text=True)
    assert "GET /transaction" in paystack_sandbox.calls()
