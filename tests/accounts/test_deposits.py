"""Deposits at the desk: taking one, its receipt, spending it on invoices, refunding what is left."""
import pytest

from billing_desk.accounts import ledger
from billing_desk.extensions import db
from billing_desk.models import Invoice, Payment
from billing_desk.shifts import service as shifts
from tests.accounts.conftest import SUE
from tests.accounts.helpers import entries_of, pay_from_deposit, refund_from_account, take_deposit
from tests.factories import make_issued_invoice, make_patient
from tests.notifications.support import pdf_text


@pytest.fixture
def patient(app):
    return make_patient(first_name="Ngozi", last_name="Okafor", mrn="H0042")


def _balance(patient):
    return ledger.balance_minor(patient.id, "NGN")


def test_a_cash_deposit_is_taken_with_a_receipt_and_shows_on_the_patient_pages(cashier_client, patient):
    response = take_deposit(cashier_client, patient, "50,000")

    [entry] = entries_of(patient)
    assert response.status_code == 303 and response.location.endswith(f"/account-entries/{entry.id}")
    assert (entry.kind, entry.amount_minor, entry.channel) == ("deposit", 5_000_000, "cash")
    first = cashier_client.post_form(f"/account-entries/{entry.id}/document/a4")
    second = cashier_client.post_form(f"/account-entries/{entry.id}/document/roll")
    text = pdf_text(first.data)
    for fact in ("Deposit receipt", entry.document_number, "Ngozi Okafor", "H0042", "₦50,000.00", "Cash",
                 "Cathy Cashier"):
        assert fact in text
    assert "COPY" not in text and "COPY 2" in pdf_text(second.data)
    account_page = cashier_client.get(f"/patients/{patient.id}/account").get_data(as_text=True)
    patient_page = cashier_client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "₦50,000.00" in account_page and "₦50,000.00" in patient_page and "Deposits and refunds" in patient_page


@pytest.mark.parametrize("fields, message", [
    ({"amount": ""}, "Enter an amount."),
    ({"amount": "abc"}, "Enter the amount as a number"),
    ({"amount": "-5"}, "cannot be negative"),
    ({"channel": "transfer"}, "Enter the bank transfer&#39;s reference."),
    ({"channel": "card"}, "Choose cash or bank transfer."),
    ({"currency": "XXX"}, "Pick a currency from the list."),
    ({"key": "not-a-key"}, "The form was out of date"),
])
def test_bad_deposits_are_refused_in_words_and_write_nothing(cashier_client, patient, fields, message):
    response = take_deposit(cashier_client, patient, **{"amount": "100", **fields})

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert entries_of(patient) == []


def test_a_double_submitted_deposit_is_taken_once(cashier_client, patient):
    take_deposit(cashier_client, patient, "100", key="a" * 32)
    again = take_deposit(cashier_client, patient, "100", key="a" * 32)

    assert again.status_code == 303 and len(entries_of(patient)) == 1


def test_the_deposit_pays_invoices_through_the_payment_path(cashier_client, patient):
    take_deposit(cashier_client, patient, "50000")
    first = make_issued_invoice(patient=patient, lines=((1_200_000, 1),))
    second = make_issued_invoice(patient=patient, lines=((2_000_000, 1),))

    assert "Pay from the patient" in cashier_client.get(f"/invoices/{first.id}").get_data(as_text=True)
    assert pay_from_deposit(cashier_client, first, "12000").status_code == 303
    assert pay_from_deposit(cashier_client, second, "5000").status_code == 303

    payments = db.session.query(Payment).order_by(Payment.id).all()
    assert [(p.channel, p.amount_minor) for p in payments] == [("deposit", 1_200_000), ("deposit", 500_000)]
    assert [db.session.get(Invoice, i.id, populate_existing=True).status for i in (first, second)] == [
        "paid", "partially_paid"]
    assert [(e.kind, e.amount_minor, e.payment_id) for e in entries_of(patient)][1:] == [
        ("applied", 1_200_000, payments[0].id), ("applied", 500_000, payments[1].id)]
    assert _balance(patient) == 3_300_000


def test_a_double_clicked_pay_from_deposit_pays_once(cashier_client, patient):
    take_deposit(cashier_client, patient, "7500")
    invoice = make_issued_invoice(patient=patient)

    first = pay_from_deposit(cashier_client, invoice, "7500", key="c" * 32)
    again = pay_from_deposit(cashier_client, invoice, "7500", key="c" * 32)

    assert (first.status_code, again.status_code) == (303, 303) and first.location == again.location
    assert db.session.query(Payment).count() == 1 and _balance(patient) == 0


@pytest.mark.parametrize("amount, message", [
    ("40000", "Only ₦10,000.00 is left on the account"),
    ("9000", "more than the balance due of ₦7,500.00"),
    ("0", "more than zero"),
])
def test_paying_more_than_is_left_or_owed_is_refused(cashier_client, patient, amount, message):
    take_deposit(cashier_client, patient, "10000")
    invoice = make_issued_invoice(patient=patient)

    response = pay_from_deposit(cashier_client, invoice, amount)

    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.query(Payment).count() == 0 and _balance(patient) == 1_000_000


def test_a_deposit_in_another_currency_cannot_pay(cashier_client, patient):
    take_deposit(cashier_client, patient, "100", currency="USD")
    invoice = make_issued_invoice(patient=patient)

    assert "Pay from the patient" not in cashier_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    response = pay_from_deposit(cashier_client, invoice, "50")
    assert response.status_code == 422 and "Only ₦0.00 is left" in response.get_data(as_text=True)


def test_the_unused_deposit_is_refunded_with_its_own_document(cashier_client, patient, supervisor):
    take_deposit(cashier_client, patient, "10000")

    refused = refund_from_account(cashier_client, patient, "10000.01", **SUE)
    done = refund_from_account(cashier_client, patient, "10000", **SUE)

    assert refused.status_code == 422 and "Only ₦10,000.00 is left" in refused.get_data(as_text=True)
    assert done.status_code == 303 and _balance(patient) == 0
    refund = entries_of(patient)[-1]
    text = pdf_text(cashier_client.post_form(f"/account-entries/{refund.id}/document/a4").data)
    assert "Deposit refund" in text and refund.document_number in text and "Discharged early" in text
    assert "Approved by" in text and "Sue Supervisor" in text


def test_cash_deposits_and_their_refunds_are_in_the_drawer_count(app, cashier, cashier_client, patient):
    app.config["REQUIRE_OPEN_SHIFT"] = True
    app.config["APPROVAL_DEPOSIT_REFUND_THRESHOLD_MINOR"] = 1_000_000  # ₦10,000 and over need a supervisor
    assert "Open a shift" in take_deposit(cashier_client, patient, "100").get_data(as_text=True)
    shift = shifts.open_shift(cashier.id, 100_000, currency="NGN")
    db.session.commit()
    take_deposit(cashier_client, patient, "50000")
    take_deposit(cashier_client, patient, "20000", channel="transfer", reference="TRF-1")
    refund_from_account(cashier_client, patient, "5000")

    closed = shifts.close_shift(shift.id, actor_id=cashier.id, counted_minor=100_000 + 4_500_000)

    assert closed.expected_cash_minor == 100_000 + 5_000_000 - 500_000 and closed.variance_minor == 0
    deposit_rows = {r["channel"]: r["amount_minor"] for r in closed.channel_totals if r["channel"].startswith("deposits_")}
    assert deposit_rows == {"deposits_cash": 5_000_000, "deposits_transfer": 2_000_000}


def test_unknown_patient_invoice_or_entry_is_404(cashier_client):
    assert take_deposit(cashier_client, type("P", (), {"id": 999999})()).status_code == 404
    assert cashier_client.get("/account-entries/999999").status_code == 404
    assert cashier_client.post_form("/invoices/999999/from-deposit", {"amount": "1"}).status_code == 404
