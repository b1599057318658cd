import pytest
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Service
from billing_desk.catalog.service import PER_PAGE
from tests.factories import make_service, submit_form


def service_form(**overrides):
    data = {"code": "cons-gp", "name": "GP consultation", "department": "Outpatients", "unit_price": "7,500.50",
            "currency": "NGN", "active": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_everyone_signed_in_reads_the_price_list(cashier_client):
    make_service(code="LAB-FBC", name="Full blood count", department="Laboratory", unit_price_minor=350000)
    page = cashier_client.get("/catalog/").get_data(as_text=True)
    assert "LAB-FBC" in page and "Full blood count" in page and "₦3,500.00" in page
    assert "/catalog/new" not in page and "/edit" not in page


@pytest.mark.parametrize("q, found", [("lab", {"LAB-FBC", "XRAY"}), ("blood", {"LAB-FBC"}), ("radio", {"XRAY"}),
                                      ("fbc", {"LAB-FBC"}), ("50%", set())])
def test_price_list_search_by_code_name_department(cashier_client, q, found):
    make_service(code="LAB-FBC", name="Full blood count", department="Laboratory")
    make_service(code="XRAY", name="Chest X-ray (lab report)", department="Radiology")
    make_service(code="CONS", name="Consultation", department="Outpatients")
    page = cashier_client.get("/catalog/", query_string={"q": q}).get_data(as_text=True)
    assert {code for code in ("LAB-FBC", "XRAY", "CONS") if f"<td>{code}</td>" in page} == found


def test_active_only_filter_and_pages(cashier_client):
    for n in range(PER_PAGE + 1):
        make_service(code=f"A{n:03d}", department="Ward")
    make_service(code="OLD", active=False)
    everything = cashier_client.get("/catalog/").get_data(as_text=True)
    assert 'rel="next"' in everything
    last_page = cashier_client.get("/catalog/?active=1&page=2").get_data(as_text=True)
    assert "<td>A" in last_page and "<td>OLD</td>" not in last_page
    inactive = cashier_client.get("/catalog/?q=old").get_data(as_text=True)
    assert "<td>OLD</td>" in inactive and "Inactive" in inactive


@pytest.mark.parametrize("url", ["/catalog/new", "/catalog/settings", "/catalog/{id}/edit"])
def test_cashier_may_not_manage_the_price_list(cashier_client, url):
    url = url.format(id=make_service().id)
    assert cashier_client.get(url).status_code == 403
    assert submit_form(cashier_client, url, service_form(cashier_max_discount="50")).status_code == 403
    assert db.session.scalars(select(AuditEntry)).all() == []


def test_admin_adds_a_service_with_price_in_minor_units(admin_client, admin):
    response = submit_form(admin_client, "/catalog/new", service_form())
    assert response.status_code == 302
    service = db.session.scalars(select(Service)).one()
    assert (service.code, service.unit_price_minor, service.currency, service.active) == (
        "CONS-GP", 750050, "NGN", True)
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.entity_id, entry.actor_id) == ("service.created", service.id, admin.id)
    assert entry.after["unit_price_minor"] == 750050


@pytest.mark.parametrize(
    "price, message",
    [
        ("-5", "cannot be negative"),
        ("0", "must be more than zero"),
        ("abc", "Enter the amount as a number"),
        ("12.345", "at most 2 decimal places"),
        ("99999999999999", "too large"),
        ("", "Enter an amount"),
        ("NaN", "Enter the amount as a number"),
    ],
)
def test_unsensible_prices_are_field_errors(admin_client, price, message):
    response = submit_form(admin_client, "/catalog/new", service_form(unit_price=price))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="unit_price-err"' in page and message in page
    assert db.session.scalars(select(Service)).all() == []


@pytest.mark.parametrize(
    "overrides, field",
    [({"code": ""}, "code"), ({"code": "BAD CODE"}, "code"), ({"name": ""}, "name"),
     ({"department": " "}, "department"), ({"currency": "EUR"}, "currency")],
)
def test_other_service_fields_are_checked(admin_client, overrides, field):
    response = submit_form(admin_client, "/catalog/new", service_form(**overrides))
    assert response.status_code == 422 and f'id="{field}-err"' in response.get_data(as_text=True)


def test_duplicate_code_is_a_field_error(admin_client):
    make_service(code="CONS-GP")
    response = submit_form(admin_client, "/catalog/new", service_form(code="cons-gp"))
    assert response.status_code == 422
    assert "Another service already has this code." in response.get_data(as_text=True)


def test_admin_edits_and_deactivates_a_service(admin_client):
    service = make_service(code="CONS-GP", unit_price_minor=500000)
    edit_page = admin_client.get(f"/catalog/{service.id}/edit").get_data(as_text=True)
    assert 'value="5000.00"' in edit_page
    response = submit_form(admin_client, f"/catalog/{service.id}/edit",
                           service_form(code="CONS-GP", unit_price="6000", active=None))
    assert response.status_code == 302
    db.session.refresh(service)
    assert (service.unit_price_minor, service.active) == (600000, False)
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.action == "service.updated"
    assert (entry.before["unit_price_minor"], entry.after["unit_price_minor"]) == (500000, 600000)
    assert (entry.before["active"], entry.after["active"]) == (True, False)


def test_editing_to_another_services_code_is_refused(admin_client):
    make_service(code="TAKEN")
    service = make_service(code="MINE")
    response = submit_form(admin_client, f"/catalog/{service.id}/edit", service_form(code="taken"))
    assert response.status_code == 422 and "Another service already has this code." in response.get_data(as_text=True)


def test_unknown_service_is_404(admin_client):
    assert admin_client.get("/catalog/999/edit").status_code == 404


def test_search_json_returns_active_services_for_the_line_picker(cashier_client):
    fbc = make_service(code="LAB-FBC", name="Full blood count", department="Laboratory", unit_price_minor=350000)
    make_service(code="LAB-OLD", name="Old lab test", department="Laboratory", active=False)
    make_service(code="LAB-USD", name="Imported lab test", department="Laboratory", currency="USD")
    make_service(code="CONS", name="Consultation", department="Outpatients")
    response = cashier_client.get("/catalog/search.json?q=lab&currency=NGN")
    assert response.status_code == 200
    assert response.get_json() == [{
        "id": fbc.id, "code": "LAB-FBC", "name": "Full blood count", "department": "Laboratory",
        "unit_price_minor": 350000, "currency": "NGN", "unit_price_display": "₦3,500.00",
    }]
    assert {s["code"] for s in cashier_client.get("/catalog/search.json?q=lab").get_json()} == {"LAB-FBC", "LAB-USD"}


def test_search_json_returns_at_most_20(cashier_client):
    for n in range(25):
        make_service(code=f"S{n:02d}")
    assert len(cashier_client.get("/catalog/search.json").get_json()) == 20


def test_search_json_refuses_unknown_currency(cashier_client):
    response = cashier_client.get("/catalog/search.json?currency=EUR", headers={"Accept": "application/json"})
    assert response.status_code == 400


def test_search_json_needs_sign_in(client):
    assert client.get("/catalog/search.json").status_code == 302
