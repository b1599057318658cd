"""/api/v1/patients and /services: the desk's own patient rules and price list, over JSON."""
import pytest
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Patient
from tests.api.conftest import error_of
from tests.factories import make_patient, make_service

ADA = {"first_name": "Ada", "last_name": "Obi", "sex": "female", "date_of_birth": "1990-01-31",
       "phone": "0803 123 4567", "email": "ada@example.org"}


def test_create_a_patient_with_a_generated_hospital_number(api):
    response = api.post("/patients", ADA)
    assert response.status_code == 201
    body = response.get_json()
    patient = db.session.get(Patient, body["id"])
    assert body["mrn"] == patient.mrn == f"H{patient.id:07d}"
    assert (body["phone"], body["date_of_birth"]) == ("+2348031234567", "1990-01-31")
    assert body["created_at"].endswith("Z")


def test_the_same_hospital_number_updates_the_patient(api):
    created = api.post("/patients", {**ADA, "mrn": "emr-1001"}).get_json()
    assert created["mrn"] == "EMR-1001"
    updated = api.post("/patients", {**ADA, "mrn": "EMR-1001", "phone": "08099990000", "address": "3 Broad St"})
    assert updated.status_code == 200
    assert updated.get_json()["id"] == created["id"] and updated.get_json()["address"] == "3 Broad St"
    assert db.session.query(Patient).count() == 1
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "patients")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["patient.created", "patient.updated"]


@pytest.mark.parametrize("change, field", [
    ({"phone": "12"}, "phone"),
    ({"email": "not-an-email"}, "email"),
    ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
    ({"mrn": "H0000123"}, "mrn"),
    ({"mrn": "a"}, "mrn"),
    ({"first_name": "   "}, "first_name"),
])
def test_the_desks_patient_rules_refuse_with_the_field(api, change, field):
    response = api.post("/patients", {**ADA, **change})
    assert response.status_code == 422
    assert error_of(response) == ("refused", field)
    assert db.session.query(Patient).count() == 0


def test_get_a_patient_and_404(api):
    patient = make_patient(first_name="Bola")
    assert api.get(f"/patients/{patient.id}").get_json()["first_name"] == "Bola"
    response = api.get(f"/patients/{patient.id + 1}")
    assert response.status_code == 404 and error_of(response) == ("not_found", None)


def test_search_by_name_and_by_hospital_number(api):
    ada = make_patient(first_name="Ada", last_name="Okafor", mrn="EMR-7")
    make_patient(first_name="Chidi", last_name="Eze")
    found = api.get("/patients", q="okaf").get_json()
    assert [p["id"] for p in found["data"]] == [ada.id] and found["has_more"] is False
    assert [p["id"] for p in api.get("/patients", mrn="emr-7").get_json()["data"]] == [ada.id]
    assert api.get("/patients", mrn="NOPE-1").get_json()["data"] == []
    assert len(api.get("/patients").get_json()["data"]) == 2


def test_services_list_with_cursor_pages(api):
    services = [make_service(code=f"LAB{n}", name=f"Test {n}") for n in range(5)]
    retired = make_service(code="OLD1", active=False)
    first = api.get("/services", limit=3).get_json()
    assert [s["code"] for s in first["data"]] == ["LAB4", "LAB3", "LAB2"]
    second = api.get("/services", limit=3, cursor=first["next_cursor"]).get_json()
    assert [s["code"] for s in second["data"]] == ["LAB1", "LAB0"] and second["next_cursor"] is None
    codes = {s["code"] for s in api.get("/services", include_inactive="true").get_json()["data"]}
    assert retired.code in codes and services[0].code in codes
    assert [s["code"] for s in api.get("/services", q="test 3").get_json()["data"]] == ["LAB3"]


def test_a_cursor_that_is_not_an_id_is_400(api):
    response = api.get("/services", cursor="bm90LWFuLWlk")
    assert response.status_code == 400 and error_of(response) == ("invalid_value", "cursor")


def test_account_balance_and_deposits(api):
    from billing_desk.accounts import deposits

    patient = make_patient()
    first, _ = deposits.take_deposit(patient.id, 500000, "NGN", channel="cash", actor_id=None)
    second, _ = deposits.take_deposit(patient.id, 200000, "NGN", channel="transfer", reference="TRF-9", actor_id=None)
    db.session.commit()
    account = api.get(f"/patients/{patient.id}/account").get_json()
    assert account == {"patient_id": patient.id, "balances": [{
        "currency": "NGN", "deposits_minor": 700000, "credit_minor": 0, "applied_minor": 0, "refunded_minor": 0,
        "balance_minor": 700000}]}
    listed = api.get(f"/patients/{patient.id}/deposits", limit=1).get_json()
    assert [d["id"] for d in listed["data"]] == [second.id] and listed["data"][0]["reference"] == "TRF-9"
    rest = api.get(f"/patients/{patient.id}/deposits", cursor=listed["next_cursor"]).get_json()
    assert [d["id"] for d in rest["data"]] == [first.id]
    assert error_of(api.get(f"/patients/{patient.id + 1}/account")) == ("not_found", None)
    assert api.get(f"/patients/{make_patient().id}/account").get_json()["balances"] == []
