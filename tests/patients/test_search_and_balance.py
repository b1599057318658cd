"""Search as you type (the results alone, from the same search) and what a patient owes, open invoices first."""
from billing_desk.extensions import db
from billing_desk.models import Invoice
from tests.factories import make_issued_invoice, make_patient
from tests.payments.helpers import pay_at_desk


def test_search_as_you_type_gets_the_results_alone(cashier_client):
    make_patient(first_name="Ada", last_name="Obi", mrn="H0000001")
    make_patient(first_name="Bola", last_name="Eze", mrn="H0000002")
    response = cashier_client.get("/patients/?q=ad", headers={"X-Requested-With": "fetch"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "X-Requested-With" in response.headers["Vary"]
    assert "Obi, Ada" in html and "Eze, Bola" not in html and "1 patient found" in html
    assert "<html" not in html and "<form" not in html
    page = cashier_client.get("/patients/?q=ad").get_data(as_text=True)
    assert "<html" in page and 'data-live-search="patient-results"' in page and "Obi, Ada" in page
    assert 'src="/static/js/live-search.js"' in page


def test_the_patient_page_shows_the_balance_owed_and_open_invoices_first(cashier_client):
    patient = make_patient()
    paid = make_issued_invoice(patient=patient, lines=((500_000, 1),))
    pay_at_desk(cashier_client, paid, amount="5000")
    older_open = make_issued_invoice(patient=patient, lines=((300_000, 1),))
    pay_at_desk(cashier_client, older_open, amount="1000")
    voided = make_issued_invoice(patient=patient, lines=((100_000, 1),), status="void")
    newest_open = make_issued_invoice(patient=patient, lines=((250_050, 1),), currency="NGN")
    html = cashier_client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Balance owed" in html and "₦4,500.50" in html and "on 2 unpaid invoices" in html
    order = [html.index(db.session.get(Invoice, i.id).number) for i in (newest_open, older_open, voided, paid)]
    assert order[0] < order[1] < min(order[2:])


def test_a_patient_who_owes_nothing_is_told_so(cashier_client):
    patient = make_patient()
    html = cashier_client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Nothing owed" in html and 'data-shortcut="n"' in html
