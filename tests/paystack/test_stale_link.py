"""The emailed link after a cash part-payment, end to end over the sandbox: the patient can never overpay.

The patient opens the hospital's signed link and goes to Paystack's pay page for ₦12,000; meanwhile ₦2,000
is paid in cash at the desk. After the commit the old request is withdrawn (a real RQ job on Redis), so the
old pay page refuses; the same signed link then pays exactly the ₦10,000 left, and the invoice is paid.
"""
import pytest
import requests
from sqlalchemy import select

from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.jobs.after_commit import commit
from billing_desk.models import AuditEntry, Invoice, Payment, PaymentRequest, PaymentReview
from billing_desk.public.links import make_token
from tests.factories import make_issued_invoice, make_patient
from tests.paystack.webhook_fixtures import (  # noqa: F401  (fixtures)
    live,
    live_config,
    queue_prefix,
    run_worker,
    sandbox_server,
)

pytestmark = pytest.mark.integration
TOTAL, CASH = 1_200_000, 200_000


@pytest.fixture
def app_config(app_config, live_config, sandbox_server):
    return {**app_config, **live_config, "PAYSTACK_PAY_URL_BASE": f"{sandbox_server.base_url}/pay/",
            "PATIENT_EMAIL_DOMAIN": "patients.example.org"}


def press_pay(client, token):
    """The patient presses "Pay online" on the signed page; returns the Paystack pay page it sends them to."""
    client.get(f"/p/{token}")
    response = client.post_form(f"/p/{token}/pay")
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def test_a_stale_emailed_link_cannot_overpay_after_cash(app, live, client, cashier):
    invoice = make_issued_invoice(make_patient(email="ada@example.org"), lines=((TOTAL, 1),))
    token = make_token(invoice.id)
    old_page = press_pay(client, token)
    [old] = db.session.scalars(select(PaymentRequest)).all()
    assert (old.amount_minor, old.status) == (TOTAL, "pending") and old_page.endswith(old.request_code)

    record_payment(invoice.id, PaymentDetails(CASH, "NGN", "cash", received_by_id=cashier.id), actor_id=cashier.id)
    commit()  # the cash is kept, then the withdrawal job is queued on Redis
    run_worker()

    old = db.session.get(PaymentRequest, old.id)
    assert old.status == "archived"
    archived_by = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "payment_request.archived"))
    assert archived_by.actor_id is None  # the system withdrew it, not the cashier
    refused = requests.post(old_page, timeout=10)
    assert refused.status_code == 409 and "archived" in refused.text
    live.wait()
    run_worker()
    assert db.session.get(Invoice, invoice.id).balance_due_minor == TOTAL - CASH

    new_page = press_pay(client, token)
    assert new_page != old_page
    live_requests = db.session.scalars(select(PaymentRequest).where(PaymentRequest.status == "pending")).all()
    assert [r.amount_minor for r in live_requests] == [TOTAL - CASH]
    assert requests.post(new_page, timeout=10).status_code == 200
    live.wait()
    run_worker()

    invoice = db.session.get(Invoice, invoice.id)
    assert (invoice.status, invoice.amount_paid_minor, invoice.balance_due_minor) == ("paid", TOTAL, 0)
    assert sorted(p.amount_minor for p in db.session.scalars(select(Payment))) == [CASH, TOTAL - CASH]
    assert db.session.scalars(select(PaymentReview)).all() == []
    page = client.get(f"/p/{token}").get_data(as_text=True)
    assert "paid in full" in page and "/pay" not in page.split("Items")[0]
