"""/api/v1/invoices through the invoice rules: drafts, lines, issue, void, get, list."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Invoice
from billing_desk.timeutil import local_today
from tests.api.conftest import error_of
from tests.factories import make_patient, make_service


@pytest.fixture
def patient(app):
    return make_patient()


@pytest.fixture
def consult(app):
    return make_service(code="CONS1", name="Consultation", unit_price_minor=750000)


def draft(api, patient, *lines, **fields):
    lines = lines or ({"service_code": "CONS1"},)
    return api.post("/invoices", {"patient_id": patient.id, "lines": list(lines), **fields})


def test_a_draft_from_a_service_code_and_a_free_line(api, patient, consult):
    response = draft(api, patient, {"service_code": "CONS1", "quantity": 2},
                     {"description": "Dressing pack", "unit_price_minor": 120000, "discount_minor": 20000})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["status"], body["number"], body["currency"]) == ("draft", None, "NGN")
    assert [(l["description"], l["line_total_minor"]) for l in body["lines"]] == [
        ("Consultation", 1500000), ("Dressing pack", 100000)]
    assert (body["subtotal_minor"], body["total_minor"], body["balance_due_minor"]) == (1600000, 1600000, 1600000)


@pytest.mark.parametrize("fields, lines, status, code, field", [
    ({}, ({"service_code": "NOPE"},), 422, "unknown_service", "lines.0.service_code"),
    ({}, ({"description": "Gauze"},), 422, "refused", "lines.0.unit_price_minor"),
    ({}, ({"service_code": "CONS1", "discount_minor": 9000000},), 422, "refused", "lines.0.discount_minor"),
    ({"currency": "USD"}, ({"service_code": "CONS1"},), 422, "refused", "lines.0.service_code"),
    ({"due_date": "2000-01-01"}, ({"service_code": "CONS1"},), 422, "refused", "due_date"),
    ({"currency": "EUR"}, ({"service_code": "CONS1"},), 400, "invalid_value", "currency"),
    ({}, ({"service_code": "CONS1", "quantity": 0},), 400, "invalid_value", "lines.0.quantity"),
    ({}, ({"service_code": "CONS1", "colour": "red"},), 400, "unknown_field", "lines.0.colour"),
])
def test_refused_drafts_name_the_field(api, patient, consult, fields, lines, status, code, field):
    response = draft(api, patient, *lines, **fields)
    assert response.status_code == status
    assert error_of(response) == (code, field)
    assert db.session.query(Invoice).count() == 0


def test_cashiers_discount_limit_applies_to_integrations(api, patient, consult):
    response = draft(api, patient, {"service_code": "CONS1", "discount_minor": 150000})  # 20 % > 10 %
    assert response.status_code == 422 and error_of(response) == ("refused", "lines.0.discount_minor")


def test_an_unknown_patient_is_422(api, consult):
    response = api.post("/invoices", {"patient_id": 4242, "lines": [{"service_code": "CONS1"}]})
    assert response.status_code == 422 and error_of(response) == ("unknown_patient", "patient_id")


def test_add_lines_issue_and_the_number(api, patient, consult):
    invoice = draft(api, patient).get_json()
    added = api.post(f"/invoices/{invoice['id']}/lines", {"lines": [{"description": "X-ray", "unit_price_minor": 500000}]})
    assert added.status_code == 200 and added.get_json()["total_minor"] == 1250000
    issued = api.post(f"/invoices/{invoice['id']}/issue")
    assert issued.status_code == 200
    body = issued.get_json()
    assert body["status"] == "issued" and body["number"].startswith("INV-") and body["issued_at"].endswith("Z")
    again = api.post(f"/invoices/{invoice['id']}/issue")
    assert again.status_code == 409 and error_of(again) == ("invalid_state", None)
    more = api.post(f"/invoices/{invoice['id']}/lines", {"lines": [{"service_code": "CONS1"}]})
    assert more.status_code == 409 and error_of(more) == ("invalid_state", None)
    note = db.session.scalar(select(AuditEntry.note).where(AuditEntry.action == "invoice.issued"))
    assert note.startswith("By API key “Hospital EMR”")


def test_void_with_a_reason_subject_to_approval_and_not_once_paid(app, api, patient, consult):
    invoice = draft(api, patient).get_json()
    missing = api.post(f"/invoices/{invoice['id']}/void", {})
    assert missing.status_code == 400 and error_of(missing) == ("missing_field", "reason")
    voided = api.post(f"/invoices/{invoice['id']}/void", {"reason": "Ordered twice by the clinic"})
    assert voided.status_code == 200
    assert (voided.get_json()["status"], voided.get_json()["void_reason"]) == ("void", "Ordered twice by the clinic")

    app.config["APPROVAL_VOID_REQUIRED"] = True  # the suite turns four-eyes voids off; this is the default
    issued = draft(api, patient).get_json()
    api.post(f"/invoices/{issued['id']}/issue")
    asked = api.post(f"/invoices/{issued['id']}/void", {"reason": "Clinic cancelled"})
    assert asked.status_code == 409 and error_of(asked) == ("approval_required", None)
    assert db.session.get(Invoice, issued["id"]).status == "issued"

    app.config["APPROVAL_VOID_REQUIRED"] = False
    paid = draft(api, patient).get_json()
    api.post(f"/invoices/{paid['id']}/issue")
    record_payment(paid["id"], PaymentDetails(amount_minor=100000, currency="NGN", channel="cash"))
    db.session.commit()
    refused = api.post(f"/invoices/{paid['id']}/void", {"reason": "Changed mind"})
    assert refused.status_code == 409 and error_of(refused) == ("invalid_state", None)


@pytest.mark.parametrize("path", ["/invoices/777/issue", "/invoices/777/void", "/invoices/777/lines"])
def test_changes_to_unknown_invoices_are_404(api, path):
    body = {"reason": "x"} if path.endswith("void") else {"lines": [{"service_code": "X"}]} if "lines" in path else {}
    response = api.post(path, body)
    assert response.status_code == 404 and error_of(response) == ("not_found", None)


def test_get_and_list_with_filters_and_cursor(api, patient, consult):
    other = make_patient()
    ids = [draft(api, patient).get_json()["id"] for _ in range(3)]
    other_id = draft(api, other).get_json()["id"]
    api.post(f"/invoices/{ids[0]}/issue")
    assert api.get(f"/invoices/{ids[0]}").get_json()["status"] == "issued"

    page = api.get("/invoices", patient_id=patient.id, limit=2).get_json()
    assert [i["id"] for i in page["data"]] == [ids[2], ids[1]]
    rest = api.get("/invoices", patient_id=patient.id, limit=2, cursor=page["next_cursor"]).get_json()
    assert [i["id"] for i in rest["data"]] == [ids[0]] and rest["next_cursor"] is None
    assert [i["id"] for i in api.get("/invoices", status="issued").get_json()["data"]] == [ids[0]]
    assert len(api.get("/invoices", status="draft").get_json()["data"]) == 3
    today = local_today()
    assert len(api.get("/invoices", created_from=today.isoformat(), created_to=today.isoformat()).get_json()["data"]) == 4
    assert api.get("/invoices", created_from=(today + timedelta(days=1)).isoformat()).get_json()["data"] == []
    assert api.get("/invoices", created_to="9999-12-31").status_code == 200
    assert api.get("/invoices", created_from="0001-01-01").status_code == 200
    assert other_id in [i["id"] for i in api.get("/invoices").get_json()["data"]]
    bad = api.get("/invoices", status="lost")
    assert bad.status_code == 400 and error_of(bad) == ("invalid_value", "status")
