"""Aging: outstanding balances in buckets of days past due, at the buckets' edges, per currency, as CSV."""
from datetime import timedelta

import pytest

from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.statements import aging
from billing_desk.timeutil import utcnow
from tests.factories import make_issued_invoice, make_patient

TODAY = utcnow().date()


def owing(patient, amount, days_past_due, currency="NGN", status="issued"):
    invoice = make_issued_invoice(patient=patient, lines=((amount, 1),), currency=currency, status=status)
    invoice.due_date = TODAY - timedelta(days=days_past_due)
    db.session.commit()
    return invoice


@pytest.mark.parametrize("days, bucket", [
    (-5, "not_due"), (0, "not_due"), (1, "d0_30"), (30, "d0_30"), (31, "d31_60"), (60, "d31_60"),
    (61, "d61_90"), (90, "d61_90"), (91, "d90_plus"), (400, "d90_plus"),
])
def test_each_bucket_edge(app, days, bucket):
    owing(make_patient(), 100_000, days)

    [row] = aging.aging_rows(TODAY)

    assert {b: getattr(row, b) for b in aging.BUCKETS if getattr(row, b)} == {bucket: 100_000}


def test_balances_are_what_is_still_owed_per_patient_and_currency(app):
    ada, bola = make_patient(first_name="Ada"), make_patient(first_name="Bola")
    part_paid = owing(ada, 500_000, 10)
    record_payment(part_paid.id, PaymentDetails(200_000, "NGN", "cash"))
    owing(ada, 100_000, 45)
    owing(ada, 7_000, 95, currency="USD")
    owing(bola, 900_000, 0)
    owing(bola, 50_000, 100, status="paid")  # settled: not outstanding
    db.session.commit()

    rows = {(r.name.split()[0], r.currency): r for r in aging.aging_rows(TODAY)}
    totals = aging.totals_by_currency(TODAY)

    assert list(rows) == [("Bola", "NGN"), ("Ada", "NGN"), ("Ada", "USD")]  # largest total first
    assert (rows["Ada", "NGN"].d0_30, rows["Ada", "NGN"].d31_60, rows["Ada", "NGN"].total) == (300_000, 100_000,
                                                                                               400_000)
    assert totals["NGN"] == {"patients": 2, "not_due": 900_000, "d0_30": 300_000, "d31_60": 100_000,
                             "d61_90": 0, "d90_plus": 0}
    assert totals["USD"]["d90_plus"] == 7_000 and aging.patients_with_balance(TODAY) == 3


def test_an_invoice_without_a_due_date_is_due_when_issued(app):
    invoice = make_issued_invoice(lines=((100_000, 1),))
    invoice.issued_at = utcnow() - timedelta(days=40)
    db.session.commit()

    [row] = aging.aging_rows(TODAY)
    assert row.d31_60 == 100_000


def test_the_page_links_each_statement_and_the_csv_lists_every_patient(admin_client):
    patient = make_patient(first_name="=cmd", last_name="Okafor", mrn="H0042")
    owing(patient, 123_456, 70)

    page = admin_client.get("/reports/aging").get_data(as_text=True)
    csv = admin_client.get("/reports/aging.csv")

    assert f"/patients/{patient.id}/statement?currency=NGN" in page and "₦1,234.56" in page
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0] == "hospital_number,patient,currency,not_due,d0_30,d31_60,d61_90,d90_plus,total"
    assert lines[1] == "H0042,'=cmd Okafor,NGN,0.00,0.00,0.00,1234.56,0.00,1234.56"


def test_cashiers_may_not_see_it(cashier_client):
    assert cashier_client.get("/reports/aging").status_code == 403
    assert cashier_client.get("/reports/aging.csv").status_code == 403
