"""One way of naming things everywhere: invoices by their number, money with its currency."""
from billing_desk.extensions import db
from billing_desk.models import PaymentReview
from tests.factories import make_issued_invoice


def test_the_reviews_page_names_the_invoice_by_its_number(admin_client):
    invoice = make_issued_invoice(number="INV-2026-000019")
    db.session.add(PaymentReview(kind="amount_mismatch", invoice_id=invoice.id, paystack_reference="pos_x1",
                                 expected_minor=750000, received_minor=740000, currency="NGN"))
    db.session.commit()
    html = admin_client.get("/admin/reviews").get_data(as_text=True)
    assert ">INV-2026-000019</a>" in html and f"invoice #{invoice.id}" not in html
