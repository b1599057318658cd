"""The audit log page: newest first, paginated, filters that filter, clear errors for bad filters."""
from datetime import datetime

import pytest

from billing_desk import audit
from billing_desk.admin import audit_log
from billing_desk.extensions import db
from billing_desk.models import AuditEntry
from tests.factories import make_issued_invoice, make_patient, make_staff


def _entry(action="patient.updated", *, at=datetime(2026, 3, 10, 12, 0), actor=None, invoice=None, patient=None,
           before=None, after=None, note=None, entity_type="patients", entity_id=1):
    entry = AuditEntry(action=action, created_at=at, actor_id=actor.id if actor else None,
                       invoice_id=invoice.id if invoice else None, patient_id=patient.id if patient else None,
                       entity_type=entity_type, entity_id=entity_id, before=before, after=after, note=note)
    db.session.add(entry)
    db.session.commit()
    return entry


def _notes(response):
    """The notes of the rows shown, in page order (each test entry carries a unique note)."""
    cells = response.get_data(as_text=True).split("<td>")[1:]
    return [cell.split("</td>")[0] for cell in cells if cell.startswith("note-")]


def test_cashiers_get_403(cashier_client):
    assert cashier_client.get("/admin/audit").status_code == 403


def test_rows_show_who_what_when_and_the_change_newest_first(admin_client, admin):
    patient = make_patient(first_name="Ngozi", last_name="Eze", mrn="MRN-77")
    invoice = make_issued_invoice(patient=patient, number="INV-2026-000042")
    _entry("patient.updated", at=datetime(2026, 3, 1, 9, 0), actor=admin, patient=patient,
           before={"phone": "0801", "email": None}, after={"phone": "0802", "email": None}, note="note-older")
    _entry("invoice.issued", at=datetime(2026, 3, 2, 9, 0), invoice=invoice, patient=patient,
           entity_type="invoices", before={"status": "draft"}, after={"status": "issued"}, note="note-newer")
    response = admin_client.get("/admin/audit")
    page = response.get_data(as_text=True)
    assert _notes(response) == ["note-newer", "note-older"]
    assert "Invoice issued" in page and "Patient details changed" in page
    assert "Ada Admin" in page and "The system" in page
    assert "02 Mar 2026 10:00:00" in page  # 09:00 UTC on the hospital's (Lagos) clock
    assert "Status: draft → issued" in page and "Phone: 0801 → 0802" in page
    assert "Email:" not in page  # unchanged fields are left out
    assert f'href="/invoices/{invoice.id}">INV-2026-000042</a>' in page
    assert f'href="/patients/{patient.id}">Ngozi Eze (MRN-77)</a>' in page


def test_pages_of_fifty(admin_client):
    for n in range(51):
        _entry(at=datetime(2026, 3, 1, 0, n), note=f"note-{n:02d}")
    first = admin_client.get("/admin/audit")
    assert len(_notes(first)) == 50 and _notes(first)[0] == "note-50"
    assert "Page 1 of 2" in first.get_data(as_text=True)
    assert _notes(admin_client.get("/admin/audit?page=2")) == ["note-00"]


@pytest.fixture
def varied_entries(admin, cashier):
    """Four entries that differ in invoice, patient, actor, action and day; each filter picks a known subset."""
    patient, other_patient = make_patient(mrn="MRN-A1"), make_patient(mrn="MRN-B2")
    invoice = make_issued_invoice(patient=patient, number="INV-2026-000101")
    _entry("invoice.issued", at=datetime(2026, 1, 5, 10), actor=admin, invoice=invoice, patient=patient,
           note="note-issued")
    # Stored UTC: 23:59 and 00:00 on the Lagos clock, either side of the hospital's midnight.
    _entry("payment.recorded", at=datetime(2026, 1, 6, 22, 59), actor=cashier, invoice=invoice, patient=patient,
           note="note-paid")
    _entry("patient.updated", at=datetime(2026, 1, 6, 23, 0), actor=cashier, patient=other_patient,
           note="note-patient")
    _entry("staff.locked", at=datetime(2026, 1, 8, 8), entity_type="staff", note="note-locked")
    return {"invoice": invoice, "patient": patient, "other_patient": other_patient, "admin": admin,
            "cashier": cashier}


@pytest.mark.parametrize("query, expected", [
    ({}, ["note-locked", "note-patient", "note-paid", "note-issued"]),
    ({"invoice": "INV-2026-000101"}, ["note-paid", "note-issued"]),
    ({"invoice": "inv-2026-000101"}, ["note-paid", "note-issued"]),
    ({"invoice": "{invoice_id}"}, ["note-paid", "note-issued"]),
    ({"patient": "MRN-B2"}, ["note-patient"]),
    ({"patient": "{patient_id}"}, ["note-paid", "note-issued"]),
    ({"actor": "{cashier_id}"}, ["note-patient", "note-paid"]),
    ({"actor": "system"}, ["note-locked"]),
    ({"action": "payment.recorded"}, ["note-paid"]),
    ({"date_from": "2026-01-06", "date_to": "2026-01-06"}, ["note-paid"]),
    ({"date_from": "2026-01-07"}, ["note-locked", "note-patient"]),
    ({"date_to": "2026-01-05"}, ["note-issued"]),
    ({"actor": "{cashier_id}", "invoice": "INV-2026-000101"}, ["note-paid"]),
])
def test_filters_filter(admin_client, varied_entries, query, expected):
    ids = {"invoice_id": varied_entries["invoice"].id, "patient_id": varied_entries["patient"].id,
           "cashier_id": varied_entries["cashier"].id}
    response = admin_client.get("/admin/audit", query_string={key: value.format(**ids) for key, value in query.items()})
    assert response.status_code == 200
    assert _notes(response) == expected


@pytest.mark.parametrize("page", ["abc", "-5", "0", "100000000000000000000"])
def test_odd_page_numbers_are_not_errors(admin_client, page):
    _entry(note="note-only")
    response = admin_client.get(f"/admin/audit?page={page}")
    assert response.status_code == 200


def test_filters_are_kept_on_the_next_page(admin_client, admin):
    for n in range(51):
        _entry("patient.updated", at=datetime(2026, 3, 1, 0, n), note=f"note-{n:02d}")
    _entry("invoice.issued", note="note-other")
    page = admin_client.get("/admin/audit?action=patient.updated").get_data(as_text=True)
    assert "/admin/audit?page=2&amp;action=patient.updated" in page or "action=patient.updated&amp;page=2" in page


@pytest.mark.parametrize("query, message", [
    ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "The “to” date is before the “from” date."),
    ({"date_from": "31/01/2026"}, "Enter the date as YYYY-MM-DD, e.g. 2026-01-31."),
    ({"date_to": "yesterday"}, "Enter the date as YYYY-MM-DD, e.g. 2026-01-31."),
    ({"date_to": "9999-12-31"}, "Enter a date between the years 2000 and 2999."),
    ({"date_from": "0001-01-01"}, "Enter a date between the years 2000 and 2999."),
    ({"invoice": "INV-2026-999999"}, "There is no invoice “INV-2026-999999”."),
    ({"invoice": "99999999999999999999"}, "There is no invoice “99999999999999999999”."),
    ({"patient": "NOPE"}, "There is no patient “NOPE”."),
    ({"actor": "12345"}, "Pick a staff member from the list."),
    ({"action": "drop.tables"}, "Pick what happened from the list."),
    ({"invoice": "x" * 41}, "Use at most 40 characters."),
])
def test_bad_filters_get_a_clear_field_error(admin_client, varied_entries, query, message):
    response = admin_client.get("/admin/audit", query_string=query)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _notes(response) == []


def test_unknown_actions_still_read_in_words():
    assert audit.action_label("refund.needs-attention") == "Refund needs attention"
    assert audit.action_label("terminal.renamed") == "Terminal renamed"


@pytest.mark.parametrize("before, after, expected", [
    (None, {"email": "a@b.org", "active": True}, [("Email", None, "a@b.org"), ("Active", None, "yes")]),
    ({"role": "cashier", "active": True}, {"role": "admin", "active": True}, [("Role", "cashier", "admin")]),
    ({"locked_until": "2026-01-01T10:00:00"}, {"locked_until": None}, [("Locked until", "2026-01-01T10:00:00", "—")]),
    ({"value": 1000}, None, [("Value", "1000", None)]),
    ({"amount_paid_minor": 1000000, "currency": "NGN"}, {"amount_paid_minor": 1925050, "currency": "NGN"},
     [("Amount paid", "₦10,000.00", "₦19,250.50")]),
    (None, {"amount_minor": 90000, "currency": "GHS"}, [("Amount", None, "GH₵900.00"), ("Currency", None, "GHS")]),
    ({"variance_minor": None}, {"variance_minor": -450}, [("Variance", "—", "-4.50")]),
])
def test_changes_in_words(before, after, expected):
    assert audit_log.changes(AuditEntry(before=before, after=after)) == expected


def test_amounts_without_a_currency_in_the_row_use_the_invoices():
    entry = AuditEntry(before={"amount_paid_minor": 0}, after={"amount_paid_minor": 150050})
    assert audit_log.changes(entry, "NGN") == [("Amount paid", "₦0.00", "₦1,500.50")]
    assert audit_log.changes(entry) == [("Amount paid", "0.00", "1500.50")]


def test_the_page_shows_minor_units_as_money(admin_client):
    invoice = make_issued_invoice(number="INV-2026-000050")
    _entry("payment.recorded", invoice=invoice, entity_type="invoices", note="note-money",
           before={"amount_paid_minor": 1000000}, after={"amount_paid_minor": 1925050})
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Amount paid: ₦10,000.00 → ₦19,250.50" in page
    assert "minor" not in page.split("<tbody>")[1]


def test_audit_page_has_a_print_friendly_table(admin_client):
    _entry(note="note-x")
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert 'class="search filters"' in page  # print.css hides forms, so the printout is the table itself
    assert "<th scope=\"col\">When</th>" in page


def test_staff_members_are_filter_choices(admin_client):
    make_staff(full_name="Zainab Zed", email="zainab@example.org")
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Zainab Zed (zainab@example.org)" in page


def test_filters_are_laid_out_as_a_grid_with_the_buttons_on_their_own_row(admin_client):
    page = admin_client.get("/admin/audit", query_string={"actor": "system"}).get_data(as_text=True)
    form = page.split('<form method="get" class="search filters"')[1].split("</form>")[0]
    actions = form.split('<div class="filter-actions">')[1]
    assert "Show matching entries</button>" in actions and "Clear filters</a>" in actions
    assert form.count('<div class="field') == 6


def test_an_invoice_is_named_by_its_number_not_its_row_id(admin_client):
    invoice = make_issued_invoice(number="INV-2026-000019")
    _entry("invoice.issued", invoice=invoice, entity_type="invoices", entity_id=invoice.id, note="note-issued")
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "INV-2026-000019</a>" in page and f"invoices #{invoice.id}" not in page
