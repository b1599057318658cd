import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from billing_desk.billing import invoices as billing
from billing_desk.billing.invoices import LineInput
from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Invoice, InvoiceLine
from tests.conftest import CSRF_RE
from tests.factories import (
    hospital_today,
    make_draft_invoice,
    make_issued_invoice,
    make_patient,
    make_service,
)


@pytest.fixture
def patient(app):
    return make_patient(first_name="Ngozi", last_name="Eze")


def post(client, url, data=None):
    """POST with the CSRF token of a signed-in page (`FormClient.post_form` reads /login, which redirects once
    signed in), as the browser submitting a form on that page would."""
    match = CSRF_RE.search(client.get("/invoices/").get_data(as_text=True))
    assert match, "no CSRF token on the invoice list"
    return client.post(url, data={**(data or {}), "csrf_token": match.group(1) or match.group(2)})


def form_data(**overrides):
    """A valid editor submission: one free-text line of 2 × ₦1,500.50 less ₦1.00."""
    data = {
        "submission_key": "key-1",
        "currency": "NGN",
        "due_date": hospital_today().isoformat(),
        "lines-0-service": "",
        "lines-0-description": "Consultation",
        "lines-0-quantity": "2",
        "lines-0-unit_price": "1,500.50",
        "lines-0-discount": "1",
        "invoice_discount": "",
        "notes": "",
        "save": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def invoice_count():
    return db.session.scalar(select(func.count(Invoice.id)))


def text(response):
    return response.get_data(as_text=True)


# Creating drafts


def test_new_invoice_page_offers_blank_rows_and_a_submission_key(cashier_client, patient):
    service = make_service(name="Chest X-ray", currency="NGN")
    make_service(name="Cedi lab panel", currency="GHS")
    page = cashier_client.get(f"/invoices/new?patient_id={patient.id}")
    assert page.status_code == 200
    html = text(page)
    assert "Ngozi Eze" in html
    assert html.count("<legend>Line ") == 3
    assert re.search(r'name="submission_key" type="hidden" value="[0-9a-f]{32}"', html)
    assert f'value="{service.id}">' in html and "Cedi lab panel" not in html
    for label in ("Service", "Description", "Quantity", "Unit price", "Line discount", "Due date", "Currency",
                  "Invoice discount", "Notes"):
        assert f">{label}</label>" in html
    assert ">Save draft</button>" in html and ">Add another line</button>" in html


@pytest.mark.parametrize("query", ["?patient_id=999999", "?patient_id=abc", "?patient_id=0"])
def test_new_invoice_for_unknown_patient_is_404(cashier_client, query):
    assert cashier_client.get(f"/invoices/new{query}").status_code == 404
    assert post(cashier_client, f"/invoices/new{query}", form_data()).status_code == 404
    assert invoice_count() == 0


@pytest.mark.parametrize("query", ["", "?patient_id="])
def test_new_invoice_without_a_patient_sends_to_the_patient_search(cashier_client, query):
    response = cashier_client.get(f"/invoices/new{query}")
    assert response.status_code == 303 and response.headers["Location"].endswith("/patients/")
    assert "Pick the patient first" in text(cashier_client.get(response.headers["Location"]))
    assert post(cashier_client, f"/invoices/new{query}", form_data()).status_code == 303
    assert invoice_count() == 0


@pytest.mark.parametrize("days", [14, 30])
def test_new_invoice_is_due_after_the_configured_days(app, cashier_client, patient, days):
    app.config["INVOICE_DUE_DAYS"] = days
    html = text(cashier_client.get(f"/invoices/new?patient_id={patient.id}"))
    assert f'value="{(hospital_today() + timedelta(days=days)).isoformat()}"' in html


def test_service_picker_shows_prices_with_their_currency(cashier_client, patient):
    make_service(code="XR01", name="Chest X-ray", unit_price_minor=900000, currency="NGN")
    html = text(cashier_client.get(f"/invoices/new?patient_id={patient.id}"))
    assert "XR01 — Chest X-ray (₦9,000.00)</option>" in html
    assert "(9000.00)" not in html


def test_create_draft_computes_totals_and_shows_the_invoice(cashier_client, patient, cashier):
    response = post(cashier_client, f"/invoices/new?patient_id={patient.id}", form_data(invoice_discount="100"))
    assert response.status_code == 303
    invoice = db.session.scalars(select(Invoice)).one()
    assert response.headers["Location"].endswith(f"/invoices/{invoice.id}")
    assert (invoice.subtotal_minor, invoice.discount_minor, invoice.total_minor) == (300000, 10100, 290000)
    assert (invoice.status, invoice.created_by_id, invoice.submission_key) == ("draft", cashier.id, "key-1")
    page = text(cashier_client.get(f"/invoices/{invoice.id}"))
    assert "Draft invoice saved. Check it, then issue it." in page
    for expected in ("Consultation", "₦1,500.50", "₦3,000.00", "₦2,900.00", "Draft invoice created", "Cathy Cashier",
                     ">Issue invoice</button>", ">Void invoice</button>", "Ngozi Eze"):
        assert expected in page


def test_double_submit_makes_one_invoice(cashier_client, patient):
    url = f"/invoices/new?patient_id={patient.id}"
    first = post(cashier_client, url, form_data())
    second = post(cashier_client, url, form_data())
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert invoice_count() == 1


def test_add_another_line_saves_nothing_and_keeps_what_was_typed(cashier_client, patient):
    data = form_data(save=None, add_line="1")
    response = post(cashier_client, f"/invoices/new?patient_id={patient.id}", data)
    assert response.status_code == 200
    html = text(response)
    assert html.count("<legend>Line ") == 2
    assert 'value="Consultation"' in html and 'value="key-1"' in html
    assert invoice_count() == 0


def test_service_line_takes_the_price_list_price_when_left_empty(cashier_client, patient):
    service = make_service(name="Chest X-ray", unit_price_minor=1200000)
    data = form_data(**{"lines-0-service": str(service.id), "lines-0-description": "", "lines-0-unit_price": "",
                        "lines-0-discount": "", "lines-0-quantity": "1"})
    assert post(cashier_client, f"/invoices/new?patient_id={patient.id}", data).status_code == 303
    line = db.session.scalars(select(InvoiceLine)).one()
    assert (line.description, line.unit_price_minor, line.service_id) == ("Chest X-ray", 1200000, service.id)


@pytest.mark.parametrize(
    "overrides, field_id, complaint",
    [
        ({"lines-0-unit_price": "abc"}, "lines-0-unit_price", "as a number"),
        ({"lines-0-unit_price": "-1"}, "lines-0-unit_price", "cannot be negative"),
        ({"lines-0-unit_price": "0"}, "lines-0-unit_price", "more than zero"),
        ({"lines-0-unit_price": "1.234"}, "lines-0-unit_price", "at most 2 decimal places"),
        ({"lines-0-unit_price": "99999999999999"}, "lines-0-unit_price", "too large"),
        ({"lines-0-unit_price": "NaN"}, "lines-0-unit_price", "as a number"),
        ({"lines-0-unit_price": ""}, "lines-0-unit_price", "Enter the unit price"),
        ({"lines-0-quantity": "0"}, "lines-0-quantity", "whole number from 1 to 10000"),
        ({"lines-0-quantity": "-2"}, "lines-0-quantity", "whole number of items"),
        ({"lines-0-quantity": "1.5"}, "lines-0-quantity", "whole number of items"),
        ({"lines-0-quantity": "two"}, "lines-0-quantity", "whole number of items"),
        ({"lines-0-quantity": ""}, "lines-0-quantity", "whole number of items"),
        ({"lines-0-quantity": "10001"}, "lines-0-quantity", "whole number from 1 to 10000"),
        ({"lines-0-quantity": "99999999999999999999"}, "lines-0-quantity", "whole number of items"),
        ({"lines-0-discount": "-5"}, "lines-0-discount", "cannot be negative"),
        ({"lines-0-discount": "3001.01"}, "lines-0-discount", "cannot be more than the line"),
        ({"lines-0-description": ""}, "lines-0-description", "Describe the item"),
        ({"lines-0-description": "x" * 201}, "lines-0-description", "200 characters"),
        ({"lines-0-service": "999999"}, "lines-0-service", "not on the price list"),
        ({"lines-0-service": "abc"}, "lines-0-service", "Pick a service"),
        ({"invoice_discount": "3000.01"}, "invoice_discount", "cannot be more than the subtotal"),
        ({"invoice_discount": "-1"}, "invoice_discount", "cannot be negative"),
        ({"invoice_discount": "301"}, "invoice_discount", "Cashiers may discount at most 10%"),
        ({"lines-0-discount": "301"}, "lines-0-discount", "Cashiers may discount at most 10%"),
        ({"due_date": (hospital_today() - timedelta(days=1)).isoformat()}, "due_date", "cannot be in the past"),
        ({"due_date": "31/31/2026"}, "due_date", "Enter the date as YYYY-MM-DD"),
        ({"currency": "EUR"}, "currency", "Pick a currency from the list."),
        ({"notes": "n" * 2001}, "notes", "2000 characters"),
    ],
)
def test_bad_input_gives_a_field_error_and_saves_nothing(cashier_client, patient, overrides, field_id, complaint):
    response = post(cashier_client, f"/invoices/new?patient_id={patient.id}", form_data(**overrides))
    assert response.status_code == 422
    html = text(response)
    error = re.search(rf'<p class="error" id="{re.escape(field_id)}-err">([^<]*)</p>', html)
    assert error, html
    assert complaint in error.group(1).replace("&#39;", "'")
    assert invoice_count() == 0
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_more_lines_than_an_invoice_can_have_are_refused_not_dropped(cashier_client, patient):
    data = form_data()
    for i in range(51):
        data.update({f"lines-{i}-description": f"Item {i}", f"lines-{i}-quantity": "1", f"lines-{i}-unit_price": "1"})
    response = post(cashier_client, f"/invoices/new?patient_id={patient.id}", data)
    assert response.status_code == 422
    assert "An invoice can have at most 50 lines." in text(response)
    assert invoice_count() == 0


def test_empty_form_asks_for_a_line(cashier_client, patient):
    data = form_data(**{"lines-0-description": "", "lines-0-unit_price": "", "lines-0-discount": ""})
    response = post(cashier_client, f"/invoices/new?patient_id={patient.id}", data)
    assert response.status_code == 422
    assert "Add at least one line." in text(response)
    assert invoice_count() == 0


def test_service_in_another_currency_is_refused_with_a_message(cashier_client, patient):
    cedi = make_service(name="Lab panel", currency="GHS")
    data = form_data(**{"lines-0-service": str(cedi.id), "lines-0-unit_price": ""})
    response = post(cashier_client, f"/invoices/new?patient_id={patient.id}", data)
    assert response.status_code == 422
    assert "Lab panel is priced in GHS; this invoice is in NGN." in text(response)
    assert invoice_count() == 0


def test_admins_may_discount_beyond_the_cashier_limit(admin_client, patient):
    response = post(admin_client, f"/invoices/new?patient_id={patient.id}", form_data(invoice_discount="1500"))
    assert response.status_code == 303
    assert db.session.scalars(select(Invoice)).one().total_minor == 150000


def test_csrf_is_required(cashier_client, patient):
    data = form_data()
    response = cashier_client.post(f"/invoices/new?patient_id={patient.id}", data=data)
    assert response.status_code == 400
    assert invoice_count() == 0


# Editing drafts


def test_edit_draft_prefills_and_saves(cashier_client, patient, cashier):
    invoice = make_draft_invoice(patient=patient, created_by=cashier,
                                 lines=[LineInput("Dressing", 2, 2550, discount_minor=100)])
    page = cashier_client.get(f"/invoices/{invoice.id}/edit")
    assert page.status_code == 200
    html = text(page)
    assert 'value="Dressing"' in html and 'value="25.50"' in html and 'value="1.00"' in html
    assert html.count("<legend>Line ") == 2  # the line and a blank one
    data = form_data(submission_key=None, **{"lines-0-description": "Dressing, large", "lines-0-quantity": "3",
                                              "lines-0-unit_price": "25.50", "lines-0-discount": ""})
    response = post(cashier_client, f"/invoices/{invoice.id}/edit", data)
    assert response.status_code == 303
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice.id)
    assert [(l.description, l.quantity) for l in invoice.lines] == [("Dressing, large", 3)]
    assert invoice.total_minor == 7650
    assert "Draft invoice changed" in text(cashier_client.get(f"/invoices/{invoice.id}"))


def test_edit_with_bad_input_changes_nothing(cashier_client, patient):
    invoice = make_draft_invoice(patient=patient)
    response = post(cashier_client, f"/invoices/{invoice.id}/edit", form_data(**{"lines-0-quantity": "0"}))
    assert response.status_code == 422
    db.session.expire_all()
    assert [l.quantity for l in db.session.get(Invoice, invoice.id).lines] == [1]


def test_issued_invoice_cannot_be_edited(cashier_client, patient):
    invoice = make_issued_invoice(patient=patient)
    page = cashier_client.get(f"/invoices/{invoice.id}/edit", follow_redirects=True)
    assert "can no longer be changed" in text(page)
    assert "Edit draft" not in text(page)
    response = post(cashier_client, f"/invoices/{invoice.id}/edit", form_data(**{"lines-0-quantity": "9"}))
    assert response.status_code == 409
    assert "can no longer be changed" in text(response)
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice.id)
    assert [l.quantity for l in invoice.lines] == [1] and invoice.total_minor == 750000


# Issuing and voiding


def test_issue_gives_a_number_and_makes_the_page_read_only(cashier_client, patient, cashier):
    invoice = make_draft_invoice(patient=patient)
    response = post(cashier_client, f"/invoices/{invoice.id}/issue")
    assert response.status_code == 303
    page = text(cashier_client.get(f"/invoices/{invoice.id}"))
    number = f"INV-{hospital_today().year}-000001"
    assert f"Invoice {number} issued." in page
    assert "Issued — unpaid" in page and ">Issue invoice</button>" not in page and "Edit draft" not in page
    assert "No payments yet." in page and "Balance due" in page
    assert page.index("Invoice issued</td>") < page.index("Draft invoice created</td>")  # history newest first
    again = post(cashier_client, f"/invoices/{invoice.id}/issue")
    assert again.status_code == 409
    assert "only a draft can be issued" in text(again)


def test_issue_of_an_empty_draft_is_refused(cashier_client, patient):
    invoice = billing.create_draft(patient.id, currency="NGN", due_date=None, lines=[], created_by_id=None)
    db.session.commit()
    response = post(cashier_client, f"/invoices/{invoice.id}/issue")
    assert response.status_code == 422
    assert "Add at least one line before issuing" in text(response)
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == "draft"


def test_void_needs_a_reason(cashier_client, patient):
    invoice = make_draft_invoice(patient=patient)
    response = post(cashier_client, f"/invoices/{invoice.id}/void", {"reason": "  "})
    assert response.status_code == 422
    assert 'id="reason-err">Give the reason for voiding.' in text(response)
    response = post(cashier_client, f"/invoices/{invoice.id}/void", {"reason": "Wrong patient"})
    assert response.status_code == 303
    page = text(cashier_client.get(f"/invoices/{invoice.id}"))
    assert "Reason: Wrong patient" in page and ">Void invoice</button>" not in page
    assert db.session.get(Invoice, invoice.id).status == "void"


def test_void_is_refused_once_something_is_paid(cashier_client, patient, cashier):
    invoice = make_draft_invoice(patient=patient)
    billing.issue_invoice(invoice.id, actor_id=cashier.id)
    record_payment(invoice.id, PaymentDetails(amount_minor=100000, currency="NGN", channel="cash",
                                              reference="R-1", received_by_id=cashier.id), actor_id=None)
    db.session.commit()
    page = text(cashier_client.get(f"/invoices/{invoice.id}"))
    assert ">Void invoice</button>" not in page
    assert "R-1" in page and "₦1,000.00" in page and "₦6,500.00" in page and "Payment recorded" in page
    response = post(cashier_client, f"/invoices/{invoice.id}/void", {"reason": "mistake"})
    assert response.status_code == 409
    assert "cannot be voided" in text(response)
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == "partially_paid"


@pytest.mark.parametrize(
    "method, path",
    [("get", "/invoices/999"), ("get", "/invoices/999/edit"), ("post", "/invoices/999/edit"),
     ("post", "/invoices/999/issue"), ("post", "/invoices/999/void"), ("get", "/invoices/99999999999999999999"),
     ("post", "/invoices/2147483648/void"), ("get", "/invoices/new?patient_id=99999999999999999999")],
)
def test_unknown_invoice_is_404(cashier_client, method, path):
    if method == "get":
        assert cashier_client.get(path).status_code == 404
    else:
        assert post(cashier_client, path, {"reason": "x"}).status_code == 404


def test_pages_need_sign_in(client, patient):
    assert client.get("/invoices/").status_code == 302
    assert client.get(f"/invoices/new?patient_id={patient.id}").status_code == 302


# The price list does not reach issued invoices


def test_price_change_after_issue_leaves_the_invoice_page_alone(cashier_client, patient, cashier):
    service = make_service(name="MRI scan", unit_price_minor=4500000)
    invoice = make_draft_invoice(patient=patient, lines=[LineInput("", 1, None, service_id=service.id)])
    billing.issue_invoice(invoice.id, actor_id=cashier.id)
    db.session.commit()
    service.unit_price_minor = 5000000
    db.session.commit()
    page = text(cashier_client.get(f"/invoices/{invoice.id}"))
    assert "₦45,000.00" in page and "₦50,000.00" not in page


# The list


def test_list_filters_by_status_number_patient_and_date(cashier_client, patient, cashier):
    other = make_patient(first_name="Kwame", last_name="Mensah", mrn="MRN-KM-1")
    issued = make_issued_invoice(patient=patient, number="INV-2026-000777")
    draft = make_draft_invoice(patient=other)
    page = text(cashier_client.get("/invoices/"))
    assert "INV-2026-000777" in page and f"Draft #{draft.id}" in page

    def listed(query):
        response = cashier_client.get("/invoices/?" + query)
        assert response.status_code == 200
        html = text(response)
        return {"issued": "INV-2026-000777" in html, "draft": f"Draft #{draft.id}" in html}

    assert listed("status=draft") == {"issued": False, "draft": True}
    assert listed("status=issued") == {"issued": True, "draft": False}
    assert listed("q=inv-2026-0007") == {"issued": True, "draft": False}
    assert listed("q=inv-2026-000777") == {"issued": True, "draft": False}
    assert listed("q=INV-2026-000778") == {"issued": False, "draft": False}
    assert listed("q=mensah") == {"issued": False, "draft": True}
    assert listed("q=mrn-km-1") == {"issued": False, "draft": True}
    assert listed("q=eze") == {"issued": True, "draft": False}
    assert listed("q=100%25_") == {"issued": False, "draft": False}
    assert listed(f"patient_id={other.id}") == {"issued": False, "draft": True}
    today = hospital_today()
    assert listed(f"created_from={today}&created_to={today}") == {"issued": True, "draft": True}
    assert listed(f"created_to={today - timedelta(days=1)}") == {"issued": False, "draft": False}
    assert issued.id != draft.id


@pytest.mark.parametrize("query", ["page=99999999999999999999", "page=-3", "q=%00", "patient_id=99999999999999999999",
                                   "before=99999999999999999999", "after=-3", "before=abc", "after=1&before=1"])
def test_list_survives_odd_queries(cashier_client, query):
    assert cashier_client.get(f"/invoices/?{query}").status_code == 200


def test_a_nul_in_the_search_is_refused_in_words(cashier_client):
    response = cashier_client.get("/invoices/?q=%00")
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)


def test_list_with_a_bad_date_is_422(cashier_client):
    response = cashier_client.get("/invoices/?created_from=yesterday&status=nonsense")
    assert response.status_code == 422
    assert "Enter the date as YYYY-MM-DD" in text(response)


def test_list_pages_newest_first_by_keyset_without_counting(cashier_client, patient):
    invoices = [make_draft_invoice(patient=patient) for _ in range(27)]
    first = text(cashier_client.get("/invoices/"))
    assert f"Draft #{invoices[-1].id}<" in first and f"Draft #{invoices[1].id}<" not in first
    assert f'href="/invoices/?before={invoices[2].id}" rel="next">Older ›' in first and "‹ Newer" not in first
    second = text(cashier_client.get(f"/invoices/?before={invoices[2].id}"))
    assert f"Draft #{invoices[1].id}<" in second and f"Draft #{invoices[0].id}<" in second
    assert f"Draft #{invoices[2].id}<" not in second and "Older ›" not in second
    assert f'href="/invoices/?after={invoices[1].id}" rel="prev">‹ Newer' in second
    back = text(cashier_client.get(f"/invoices/?after={invoices[1].id}"))
    assert back.count("Draft #") == 25 and f"Draft #{invoices[2].id}<" in back and "‹ Newer" not in back
    filtered = text(cashier_client.get(f"/invoices/?status=draft&before={invoices[2].id}"))
    assert "status=draft" in filtered and f"Draft #{invoices[0].id}<" in filtered
