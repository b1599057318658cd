import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Patient
from billing_desk.patients.service import PER_PAGE
from tests.factories import (
    hospital_today,
    make_issued_invoice,
    make_patient,
    submit_form,
)

KEY = "6f1c1c7e-6b7b-4d37-9d7e-2f4f8f0a1b2c"


def form(**overrides):
    data = {
        "first_name": "Ada", "last_name": "Obi", "sex": "female", "date_of_birth": "1990-04-12",
        "phone": "0803 123 4567", "email": "ada@example.org", "address": "12 Marina, Lagos", "mrn": "",
        "submission_key": KEY,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def patient_count():
    return db.session.scalar(select(func.count()).select_from(Patient))


def audit_actions(patient):
    return db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.patient_id == patient.id).order_by(AuditEntry.id)
    ).all()


def test_register_gives_a_generated_hospital_number_and_audits(cashier_client, cashier):
    response = submit_form(cashier_client, "/patients/new", form())
    assert response.status_code == 302
    patient = db.session.scalars(select(Patient)).one()
    assert response.headers["Location"].endswith(f"/patients/{patient.id}")
    assert patient.mrn == f"H{patient.id:07d}"
    assert patient.phone == "+2348031234567"
    assert (patient.first_name, patient.last_name, patient.date_of_birth) == ("Ada", "Obi", date(1990, 4, 12))
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "patient.created")).one()
    assert (entry.patient_id, entry.entity_id, entry.actor_id) == (patient.id, patient.id, cashier.id)
    assert entry.after["mrn"] == patient.mrn and entry.after["date_of_birth"] == "1990-04-12"
    page = cashier_client.get(response.headers["Location"]).get_data(as_text=True)
    assert patient.mrn in page and "Ada Obi" in page


def test_generated_hospital_numbers_are_unique(cashier_client):
    for n in range(3):
        key = f"00000000-0000-4000-8000-00000000000{n}"
        assert submit_form(cashier_client, "/patients/new", form(first_name=f"Ada{n}", phone="", submission_key=key,
                                                              date_of_birth="")).status_code == 302
    mrns = db.session.scalars(select(Patient.mrn)).all()
    assert len(set(mrns)) == 3 and all(re.fullmatch(r"H\d{7}", m) for m in mrns)


def test_typed_hospital_number_is_kept_in_capitals(cashier_client):
    assert submit_form(cashier_client, "/patients/new", form(mrn="luth-2024/77")).status_code == 302
    assert db.session.scalar(select(Patient.mrn)) == "LUTH-2024/77"


def test_hospital_number_clash_is_a_field_error(cashier_client):
    make_patient(mrn="LUTH-1")
    response = submit_form(cashier_client, "/patients/new", form(mrn="luth-1"))
    assert response.status_code == 422
    assert "Another patient already has this hospital number." in response.get_data(as_text=True)
    assert patient_count() == 1


def test_double_submit_makes_one_patient(cashier_client):
    first = submit_form(cashier_client, "/patients/new", form())
    second = submit_form(cashier_client, "/patients/new", form())
    assert patient_count() == 1
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"first_name": "  "}, "first_name", "Enter the first name."),
        ({"last_name": ""}, "last_name", "Enter the last name."),
        ({"first_name": "A" * 81}, "first_name", "Use at most 80 characters."),
        ({"sex": ""}, "sex", "Choose the sex"),
        ({"sex": "robot"}, "sex", "Choose the sex from the list"),
        ({"email": "ada@"}, "email", "Enter a valid email address"),
        ({"phone": "0803 12"}, "phone", "7 to 15 digits"),
        ({"phone": "call me"}, "phone", "Use digits only"),
        ({"date_of_birth": "12/04/1990x"}, "date_of_birth", "Enter the date as YYYY-MM-DD"),
        ({"date_of_birth": (hospital_today() + timedelta(days=1)).isoformat()}, "date_of_birth", "in the future"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth", "more than 130 years"),
        ({"mrn": "A!"}, "mrn", "Use 3–20 letters"),
        ({"mrn": "H0000123"}, "mrn", "given out by the desk"),
    ],
)
def test_invalid_registration_is_refused_with_a_field_error(cashier_client, overrides, field, message):
    response = submit_form(cashier_client, "/patients/new", form(**overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-err"' in page and message in page
    assert patient_count() == 0


def test_same_phone_warns_then_save_anyway_saves(cashier_client):
    existing = make_patient(first_name="Chidi", last_name="Eze", phone="+2348031234567")
    warned = submit_form(cashier_client, "/patients/new", form())
    assert warned.status_code == 422
    page = warned.get_data(as_text=True)
    assert "already registered" in page and existing.mrn in page and 'name="confirm_duplicate"' in page
    assert patient_count() == 1
    saved = submit_form(cashier_client, "/patients/new", form(confirm_duplicate="y"))
    assert saved.status_code == 302
    assert patient_count() == 2


def test_same_name_and_birth_date_warns(cashier_client):
    existing = make_patient(first_name="ADA", last_name="obi", date_of_birth=date(1990, 4, 12))
    response = submit_form(cashier_client, "/patients/new", form(phone=""))
    assert response.status_code == 422 and existing.mrn in response.get_data(as_text=True)
    # A different birth date is a different person: no warning.
    assert submit_form(cashier_client, "/patients/new", form(phone="", date_of_birth="1991-04-12")).status_code == 302


def test_new_form_carries_a_submission_key(cashier_client):
    page = cashier_client.get("/patients/new").get_data(as_text=True)
    assert re.search(r'name="submission_key" type="hidden" value="[0-9a-f-]{36}"', page)
    assert 'name="confirm_duplicate"' not in page


def test_edit_saves_and_audits_before_and_after(cashier_client):
    patient = make_patient(first_name="Ada", last_name="Obi", sex="female", mrn="OLD-1")
    response = submit_form(cashier_client, f"/patients/{patient.id}/edit",
                                        form(last_name="Obi-Okafor", mrn="", submission_key=None))
    assert response.status_code == 302
    db.session.refresh(patient)
    assert patient.last_name == "Obi-Okafor" and patient.mrn == "OLD-1"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "patient.updated")).one()
    assert entry.before["last_name"] == patient.last_name.split("-")[0] and entry.after["last_name"] == "Obi-Okafor"
    assert entry.patient_id == patient.id


def test_edit_without_changes_writes_no_audit(cashier_client):
    patient = make_patient(first_name="Ada", last_name="Obi", phone="+2348031234567", email="ada@example.org",
                           date_of_birth=date(1990, 4, 12), address="12 Marina, Lagos")
    response = submit_form(cashier_client, f"/patients/{patient.id}/edit", form(mrn=patient.mrn))
    assert response.status_code == 302
    assert audit_actions(patient) == []


def test_edit_keeps_own_generated_number_but_not_anothers(cashier_client):
    submit_form(cashier_client, "/patients/new", form())
    patient = db.session.scalars(select(Patient)).one()
    other = make_patient(mrn="OTHER-1")
    assert submit_form(cashier_client, f"/patients/{patient.id}/edit", form(mrn=patient.mrn, first_name="Adaeze")
                                    ).status_code == 302
    clash = submit_form(cashier_client, f"/patients/{patient.id}/edit", form(mrn=other.mrn))
    assert clash.status_code == 422 and "Another patient already has" in clash.get_data(as_text=True)


def test_edit_to_anothers_phone_warns(cashier_client):
    make_patient(phone="+2348031234567")
    patient = make_patient(phone=None)
    response = submit_form(cashier_client, f"/patients/{patient.id}/edit", form(mrn=""))
    assert response.status_code == 422 and "already registered" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/patients/999", "/patients/999/edit"])
def test_unknown_patient_is_404(cashier_client, url):
    assert cashier_client.get(url).status_code == 404


@pytest.fixture
def registry(app):
    return {
        "ada": make_patient(first_name="Ada", last_name="Obi", phone="+2348031234567", email="Ada.Obi@example.org",
                            mrn="H0000042"),
        "obinna": make_patient(first_name="Obinna", last_name="Adeyemi", phone="+233201234567",
                               email="obinna@mail.test", mrn="LUTH-7"),
        "chidi": make_patient(first_name="Chidi", last_name="Eze", phone=None, mrn="EZE-100"),
    }


@pytest.mark.parametrize(
    "q, found",
    [
        ("ada obi", {"ada"}),
        ("obi ada", {"ada"}),
        ("OBI", {"ada", "obinna"}),
        ("ade", {"obinna"}),
        ("0803 123", {"ada"}),
        ("+2348031234567", {"ada"}),
        ("8031234567", {"ada"}),
        ("00233 20", {"obinna"}),
        ("ada.obi@EXAMPLE", {"ada"}),
        ("h0000042", {"ada"}),
        ("luth-7", {"obinna"}),
        ("eze-1", {"chidi"}),
        ("zz", set()),
        ("50%", set()),
    ],
)
def test_search_by_each_key(cashier_client, registry, q, found):
    response = cashier_client.get("/patients/", query_string={"q": q})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    shown = {name for name, p in registry.items() if f"/patients/{p.id}\"" in page}
    assert shown == found


def test_search_pages(cashier_client):
    for n in range(PER_PAGE + 3):
        make_patient(first_name="Ngozi", last_name=f"Okeke{n:03d}")
    make_patient(first_name="Tunde", last_name="Bello")
    first = cashier_client.get("/patients/?q=ngozi").get_data(as_text=True)
    second = cashier_client.get("/patients/?q=ngozi&page=2").get_data(as_text=True)
    assert f"Patients 1–{PER_PAGE} found for “ngozi”, more on the next page" in first
    assert f"Patients {PER_PAGE + 1}–{PER_PAGE + 3} found for “ngozi”." in second
    assert first.count("Okeke") == PER_PAGE and "Okeke027" in first and 'rel="next"' in first  # newest first
    assert "q=ngozi" in first and "page=2" in first
    assert second.count("Okeke") == 3 and "Okeke000" in second and "Bello" not in second


def test_search_page_without_query_lists_newest_first(cashier_client):
    older, newer = make_patient(last_name="Older"), make_patient(last_name="Newer")
    page = cashier_client.get("/patients/").get_data(as_text=True)
    assert page.index(newer.mrn) < page.index(older.mrn)
    assert "autofocus" in page


def test_patient_page_lists_invoices_and_links_a_new_one(cashier_client):
    patient = make_patient()
    invoice = make_issued_invoice(patient, lines=((500000, 2),))
    make_issued_invoice()  # someone else's
    page = cashier_client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert invoice.number in page and page.count("INV-") == 1
    assert "₦10,000.00" in page
    assert 'class="badge badge-issued"' in page
    assert f"/invoices/new?patient_id={patient.id}" in page


def test_sign_in_is_needed(client):
    response = client.get("/patients/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
