"""The signed-in invoice page loads what it shows in the view: a bounded number of statements, none of
them issued while the template renders (see `tests/query_guard.py`)."""
import pytest

from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from tests.factories import make_issued_invoice, make_patient
from tests.query_guard import watch_queries

# Today 9 for a cashier, 10 for an administrator (the refundable amounts): the signed-in staff member, the
# invoice with its patient and issuer, its lines, payments, history, refunds, emails, terminals. A query per
# row or a new panel's query shows up here first.
MAX_STATEMENTS = 10


@pytest.fixture
def busy_invoice(app, cashier):
    invoice = make_issued_invoice(patient=make_patient(email="ada@example.org"), lines=((500_000, 1),) * 6)
    for n in range(4):
        record_payment(invoice.id, PaymentDetails(amount_minor=100_000 + n, currency="NGN", channel="cash",
                                                  received_by_id=cashier.id))
    db.session.commit()
    return invoice


@pytest.mark.parametrize("who", ["cashier_client", "admin_client"])
def test_the_invoice_page_queries_only_from_its_view(request, app, busy_invoice, who):
    client = request.getfixturevalue(who)
    client.get(f"/invoices/{busy_invoice.id}")  # warm: first-request work is not the page's
    db.session.expunge_all()  # the test's own session must not answer for the page
    with watch_queries(app) as queries:
        response = client.get(f"/invoices/{busy_invoice.id}")
    assert response.status_code == 200
    assert queries.from_templates == [], "queries issued while the template rendered:\n" + "\n".join(
        queries.from_templates)
    assert len(queries.statements) <= MAX_STATEMENTS, "\n".join(queries.statements)
