"""The statement of account: its running balance against a hand-computed fixture, its PDF and its email."""
from datetime import date, datetime

import pytest
from sqlalchemy import select

from billing_desk.accounts import deposits, ledger
from billing_desk.accounts.statement import build_statement
from billing_desk.billing import refunds
from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.models import AccountEntry, EmailOutbox, Invoice
from tests.factories import make_issued_invoice, make_patient
from tests.notifications.helpers import parts
from tests.notifications.support import pdf_text, smtp_server  # noqa: F401  (fixture)

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def at(day, hour=10):
    return datetime(2026, *day, hour)


def _invoice(patient, total, day):
    invoice = make_issued_invoice(patient=patient, lines=((total, 1),))
    invoice.issued_at = at(day)
    return invoice


@pytest.fixture
def history(app, cashier):
    """Naira in minor units; the balance after each line is worked out by hand in the test."""
    patient = make_patient(first_name="Ngozi", last_name="Okafor", mrn="H0042", email="ngozi@example.org")
    deposit, _ = deposits.take_deposit(patient.id, 2_000_000, "NGN", channel="cash", actor_id=cashier.id)
    deposit.created_at = at((2, 20))
    a = _invoice(patient, 500_000, (2, 25))
    b = _invoice(patient, 3_000_000, (3, 2))
    from_deposit, _email, _new = deposits.apply_to_invoice(b.id, 2_000_000, actor_id=cashier.id)
    from_deposit.paid_at = db.session.scalars(select(AccountEntry).where(
        AccountEntry.payment_id == from_deposit.id)).one().created_at = at((3, 5))
    cash = record_payment(a.id, PaymentDetails(500_000, "NGN", "cash", paid_at=at((3, 6))))
    refund = refunds.create_refund(cash.id, 100_000, channel=refunds.CASH, reason="overcharged", actor_id=cashier.id)
    refund.processed_at = at((3, 10))
    transfer, _ = deposits.take_deposit(patient.id, 800_000, "NGN", channel="transfer", reference="TRF-9",
                                        actor_id=cashier.id)
    transfer.created_at = at((3, 12))
    back, _ = deposits.refund_unused(patient.id, 300_000, "NGN", channel="cash", reason="no longer needed",
                                     actor_id=cashier.id)
    back.created_at = at((3, 15))
    _invoice(patient, 999_900, (4, 2))  # after the period
    db.session.commit()
    return patient


def test_the_running_balance_matches_the_hand_computed_one(history):
    statement = build_statement(history, "NGN", *MARCH)

    assert statement.opening_minor == -2_000_000 + 500_000
    assert [(line.at.date().day, line.description, line.charge_minor, line.credit_minor, line.memo_minor,
             line.balance_minor) for line in statement.lines] == [
        (2, f"Invoice {_number(history, 3_000_000)}", 3_000_000, 0, 0, 1_500_000),
        (5, f"Invoice {_number(history, 3_000_000)} paid from the deposit", 0, 0, 2_000_000, 1_500_000),
        (6, f"Payment on invoice {_number(history, 500_000)} — Cash", 0, 500_000, 0, 1_000_000),
        (10, f"Refund on invoice {_number(history, 500_000)} (not owed again)", 0, 0, 100_000, 1_000_000),
        (12, "Deposit — Bank transfer", 0, 800_000, 0, 200_000),
        (15, "Deposit refunded — Cash", 300_000, 0, 0, 500_000),
    ]
    assert statement.closing_minor == 500_000


def test_the_closing_balance_is_what_is_owed_less_what_is_held(history):
    statement = build_statement(history, "NGN", date(2026, 1, 1), date(2026, 12, 31))
    invoices = db.session.scalars(select(Invoice).where(Invoice.patient_id == history.id)).all()
    owed = sum(i.balance_due_minor for i in invoices if i.status != "void")

    assert statement.closing_minor == owed - ledger.balance_minor(history.id, "NGN")


def _number(patient, total):
    return db.session.scalars(select(Invoice.number).where(Invoice.patient_id == patient.id,
                                                           Invoice.total_minor == total)).one()


def test_the_page_and_the_pdf_show_it(cashier_client, history):
    page = cashier_client.get(f"/patients/{history.id}/statement?first=2026-03-01&last=2026-03-31")
    pdf = cashier_client.get(f"/patients/{history.id}/statement.pdf?first=2026-03-01&last=2026-03-31")

    assert page.status_code == 200 and "−₦15,000.00" in page.get_data(as_text=True).replace("-₦", "−₦")
    text = pdf_text(pdf.data)
    assert pdf.mimetype == "application/pdf" and "Statement of account" in text and "Ngozi Okafor" in text
    assert "₦5,000.00" in text and "Closing balance" in text


@pytest.mark.parametrize("query, message", [
    ("first=2026-04-01&last=2026-03-01", "The start must not be after the end."),
    ("first=yesterday", "Enter the date as YYYY-MM-DD"),
    ("currency=XXX", "Pick a currency from the list."),
])
def test_a_bad_period_is_refused_in_words(cashier_client, history, query, message):
    response = cashier_client.get(f"/patients/{history.id}/statement?{query}")
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_the_statement_is_emailed_through_the_outbox(app, cashier_client, history, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_SECURITY="none")

    response = cashier_client.post_form(f"/patients/{history.id}/statement/email", {
        "first": "2026-03-01", "last": "2026-03-31", "currency": "NGN", "submission_key": "d" * 32})

    assert response.status_code == 303
    row = db.session.scalars(select(EmailOutbox).where(EmailOutbox.kind == "statement")).one()
    assert (row.kind, row.status, row.patient_id, row.invoice_id) == ("statement", "sent", history.id, None)
    [message] = [m for m in smtp_server.messages if "statement" in m["Subject"]]
    text, _html, [attachment] = parts(message)
    assert "statement of account" in text and "01 Mar 2026 to 31 Mar 2026" in text
    assert "Closing balance" in pdf_text(attachment.get_content())
