"""The hooks in the invoice pages: "Email the invoice to the patient" on issuing, and the email panel."""
import pytest
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import EmailOutbox
from tests.factories import make_draft_invoice, make_patient
from tests.notifications.helpers import emailable_invoice, post_signed_in, send_invoice_email


@pytest.mark.parametrize("ticked, emails", [(True, 1), (False, 0)])
def test_issuing_with_the_box_ticked_emails_the_invoice(cashier_client, smtp_server, ticked, emails):
    draft = make_draft_invoice(patient=make_patient(email="ada@example.org"))

    response = post_signed_in(cashier_client, f"/invoices/{draft.id}/issue", {"email_invoice": "1"} if ticked else {})

    assert response.status_code == 303
    assert len(smtp_server.messages) == emails
    assert db.session.scalar(select(func.count(EmailOutbox.id))) == emails
    if ticked:
        db.session.refresh(draft)
        assert draft.number in smtp_server.messages[0]["Subject"]


@pytest.mark.parametrize("email, checked", [("ada@example.org", True), (None, False)])
def test_the_box_is_ticked_only_when_the_patient_has_an_email(cashier_client, email, checked):
    draft = make_draft_invoice(patient=make_patient(email=email))

    text = cashier_client.get(f"/invoices/{draft.id}").get_data(as_text=True)

    assert "Email the invoice to the patient" in text
    assert ('name="email_invoice" value="1" checked' in text) is checked


def test_invoice_page_shows_the_email_panel(cashier_client, smtp_server):
    invoice = emailable_invoice()
    send_invoice_email(invoice)

    text = cashier_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)

    assert "Emails to the patient" in text and "Send invoice by email" in text and "Sent" in text
