import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from billing_desk.billing import invoices as billing
from billing_desk.billing.invoices import InvoiceConflict, InvoiceRefused, LineInput
from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Invoice, InvoiceLine, InvoiceSequence
from tests.factories import (
    hospital_today,
    make_draft_invoice,
    make_patient,
    make_service,
    make_staff,
)

YEAR = datetime.now(ZoneInfo("Africa/Lagos")).year  # the test app's TIMEZONE numbers by the hospital's year


@pytest.fixture
def patient(app):
    return make_patient()


@pytest.fixture
def staff(app):
    return make_staff()


def draft(patient, staff, lines, **fields):
    fields.setdefault("currency", "NGN")
    fields.setdefault("due_date", None)
    return billing.create_draft(patient.id, lines=lines, created_by_id=staff.id, **fields)


def counts():
    return (
        db.session.scalar(select(func.count(Invoice.id))),
        db.session.scalar(select(func.count(InvoiceLine.id))),
        db.session.scalar(select(func.count(AuditEntry.id))),
    )


# Totals


def test_totals_are_integers_computed_from_the_lines(patient, staff):
    invoice = draft(
        patient, staff,
        [LineInput("Ward bed (night)", 2, 150000, discount_minor=50000), LineInput("Paracetamol", 3, 8333)],
        invoice_discount_minor=10000,
    )
    db.session.commit()
    assert [line.line_total_minor for line in invoice.lines] == [250000, 24999]
    assert invoice.subtotal_minor == 274999
    assert invoice.invoice_discount_minor == 10000
    assert invoice.discount_minor == 60000  # line discounts + invoice discount
    assert invoice.total_minor == 264999
    assert all(type(v) is int for v in (invoice.subtotal_minor, invoice.discount_minor, invoice.total_minor))
    assert invoice.status == "draft" and invoice.number is None
    assert [line.position for line in invoice.lines] == [0, 1]


def test_service_line_copies_name_and_price_unless_a_price_is_typed(patient, staff):
    xray = make_service(name="Chest X-ray", unit_price_minor=1200000)
    invoice = draft(patient, staff, [LineInput("", 1, None, service_id=xray.id),
                                     LineInput("X-ray, staff rate", 1, 900000, service_id=xray.id)])
    first, second = invoice.lines
    assert (first.description, first.unit_price_minor, first.service_id) == ("Chest X-ray", 1200000, xray.id)
    assert (second.description, second.unit_price_minor) == ("X-ray, staff rate", 900000)
    assert invoice.total_minor == 2100000


def test_a_later_price_change_does_not_alter_the_invoice(patient, staff):
    xray = make_service(name="Chest X-ray", unit_price_minor=1200000)
    invoice = draft(patient, staff, [LineInput("", 2, None, service_id=xray.id)])
    billing.issue_invoice(invoice.id, actor_id=staff.id)
    db.session.commit()
    xray.unit_price_minor = 1500000
    xray.name = "Chest X-ray (2 views)"
    db.session.commit()
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice.id)
    assert (invoice.lines[0].description, invoice.lines[0].unit_price_minor) == ("Chest X-ray", 1200000)
    assert invoice.total_minor == 2400000


# Refusals: each names the input at fault and writes nothing.


def _line(**changes):
    values = {"description": "Consultation", "quantity": 1, "unit_price_minor": 500000, "discount_minor": 0}
    values.update(changes)
    return LineInput(**values)


@pytest.mark.parametrize(
    "line, field, complaint",
    [
        (_line(quantity=0), "quantity", "whole number from 1 to 10000"),
        (_line(quantity=-1), "quantity", "whole number"),
        (_line(quantity=10001), "quantity", "whole number"),
        (_line(quantity=1.5), "quantity", "whole number"),
        (_line(quantity=True), "quantity", "whole number"),
        (_line(unit_price_minor=0), "unit_price", "more than zero"),
        (_line(unit_price_minor=-100), "unit_price", "negative"),
        (_line(unit_price_minor=10.5), "unit_price", "whole number of minor units"),
        (_line(discount_minor="5"), "discount", "whole number of minor units"),
        (_line(unit_price_minor=None), "unit_price", "Enter the unit price"),
        (_line(unit_price_minor=10**13), "unit_price", "too large"),
        (_line(quantity=10000, unit_price_minor=10**12), "quantity", "more than any invoice"),
        (_line(discount_minor=-1), "discount", "negative"),
        (_line(discount_minor=500001), "discount", "cannot be more than the line's ₦5,000.00"),
        (_line(description="   "), "description", "Describe the item"),
        (_line(description="x" * 201), "description", "at most 200"),
        (_line(service_id=999999), "service", "not on the price list"),
        (_line(service_id="abc"), "service", "not on the price list"),
        (_line(service_id=2**63), "service", "not on the price list"),
    ],
)
def test_bad_line_is_refused_on_its_field(patient, staff, line, field, complaint):
    before = counts()
    with pytest.raises(InvoiceRefused, match=complaint) as refused:
        draft(patient, staff, [_line(), line])
    problem = refused.value.problems[0]
    assert (problem.field, problem.line) == (field, 1)
    db.session.rollback()
    assert counts() == before


def test_every_bad_line_is_reported_at_once(patient, staff):
    with pytest.raises(InvoiceRefused) as refused:
        draft(patient, staff, [_line(quantity=0), _line(), _line(unit_price_minor=0, description="")])
    assert {(p.line, p.field) for p in refused.value.problems} == {(0, "quantity"), (2, "unit_price"), (2, "description")}


def test_inactive_service_is_refused(patient, staff):
    retired = make_service(active=False)
    with pytest.raises(InvoiceRefused, match="not on the price list"):
        draft(patient, staff, [LineInput("", 1, None, service_id=retired.id)])


def test_service_in_another_currency_is_refused_with_a_message(patient, staff):
    cedi = make_service(name="Lab panel", currency="GHS", unit_price_minor=20000)
    with pytest.raises(InvoiceRefused, match="Lab panel is priced in GHS; this invoice is in NGN") as refused:
        draft(patient, staff, [LineInput("", 1, None, service_id=cedi.id)])
    assert refused.value.problems[0].field == "service"
    invoice = draft(patient, staff, [LineInput("", 1, None, service_id=cedi.id)], currency="GHS")
    assert invoice.currency == "GHS" and invoice.total_minor == 20000


@pytest.mark.parametrize(
    "fields, field, complaint",
    [
        ({"currency": "EUR"}, "currency", "Currency must be one of NGN, GHS, ZAR, KES, USD"),
        ({"currency": None}, "currency", "Currency must be one of"),
        ({"invoice_discount_minor": 500001}, "invoice_discount", "cannot be more than the subtotal of ₦5,000.00"),
        ({"invoice_discount_minor": -1}, "invoice_discount", "negative"),
        ({"due_date": hospital_today() - timedelta(days=1)}, "due_date", "cannot be in the past"),
        ({"notes": "n" * 2001}, "notes", "at most 2000"),
    ],
)
def test_bad_invoice_field_is_refused(patient, staff, fields, field, complaint):
    before = counts()
    with pytest.raises(InvoiceRefused, match=complaint) as refused:
        draft(patient, staff, [_line()], **fields)
    assert refused.value.problems[0].field == field
    db.session.rollback()
    assert counts() == before


def test_unknown_patient_is_refused(staff):
    with pytest.raises(InvoiceRefused, match="patient does not exist"):
        billing.create_draft(123456, currency="NGN", due_date=None, lines=[_line()], created_by_id=staff.id)


def test_too_many_lines_are_refused(patient, staff):
    with pytest.raises(InvoiceRefused, match="at most 50 lines"):
        draft(patient, staff, [_line()] * 51)


# The cashier's discount limit (basis points of the amount before discounts)


@pytest.mark.parametrize(
    "lines, invoice_discount, refused_field",
    [
        ([_line(unit_price_minor=100000)], 10000, None),  # exactly 10 %
        ([_line(unit_price_minor=100000)], 10001, "invoice_discount"),
        ([_line(unit_price_minor=100000, discount_minor=10001)], 0, "discount"),
        ([_line(unit_price_minor=100000, discount_minor=5000)], 5000, None),
        ([_line(unit_price_minor=100000, discount_minor=5000)], 5001, "invoice_discount"),
        ([_line(unit_price_minor=50000), _line(unit_price_minor=50000, discount_minor=10001)], 0, "discount"),
    ],
)
def test_cashier_discount_limit(patient, staff, lines, invoice_discount, refused_field):
    kwargs = {"invoice_discount_minor": invoice_discount, "max_discount_bp": 1000}
    if refused_field is None:
        invoice = draft(patient, staff, lines, **kwargs)
        assert invoice.discount_minor == sum(line.discount_minor for line in lines) + invoice_discount
        return
    limit = r"Cashiers may discount at most 10% of the invoice \(₦100.00\)"
    with pytest.raises(InvoiceRefused, match=limit) as refused:
        draft(patient, staff, lines, **kwargs)
    problem = refused.value.problems[0]
    assert problem.field == refused_field
    assert problem.line == (None if refused_field == "invoice_discount" else len(lines) - 1)


def test_without_a_limit_discounts_are_capped_only_by_what_they_discount(patient, staff):
    invoice = draft(patient, staff, [_line(discount_minor=100000)], invoice_discount_minor=400000)
    assert invoice.total_minor == 0
    with pytest.raises(InvoiceRefused, match="cannot be more than the subtotal"):
        draft(patient, staff, [_line(discount_minor=100000)], invoice_discount_minor=400001)


# Double submits


def test_the_same_submission_key_returns_the_first_invoice(patient, staff):
    first = draft(patient, staff, [_line()], submission_key="k-1")
    db.session.commit()
    again = draft(patient, staff, [_line(unit_price_minor=1)], submission_key="k-1")
    assert again.id == first.id and again.total_minor == 500000
    assert counts()[0] == 1
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "invoice.created")) == 1


# Editing drafts


def test_update_draft_replaces_lines_and_audits_before_and_after(patient, staff):
    invoice = draft(patient, staff, [_line(), _line(description="Dressing", unit_price_minor=2000)])
    db.session.commit()
    billing.update_draft(invoice.id, currency="NGN", due_date=None, lines=[_line(quantity=3)], notes="  walk-in ",
                         actor_id=staff.id)
    db.session.commit()
    assert [(l.description, l.quantity) for l in invoice.lines] == [("Consultation", 3)]
    assert db.session.scalar(select(func.count(InvoiceLine.id))) == 1
    assert (invoice.total_minor, invoice.notes) == (1500000, "walk-in")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "invoice.updated")).one()
    assert entry.before["total_minor"] == 502000 and len(entry.before["lines"]) == 2
    assert entry.after["total_minor"] == 1500000 and entry.after["lines"][0]["quantity"] == 3
    assert (entry.invoice_id, entry.patient_id, entry.actor_id) == (invoice.id, patient.id, staff.id)


def test_a_refused_update_leaves_the_draft_alone(patient, staff):
    invoice = draft(patient, staff, [_line()])
    db.session.commit()
    with pytest.raises(InvoiceRefused):
        billing.update_draft(invoice.id, currency="NGN", due_date=None, lines=[_line(), _line(quantity=0)],
                             actor_id=staff.id)
    db.session.rollback()
    assert [l.quantity for l in db.session.get(Invoice, invoice.id).lines] == [1]


def test_update_keeps_a_past_due_date_but_refuses_a_new_one(patient, staff):
    invoice = draft(patient, staff, [_line()])
    invoice.due_date = hospital_today() - timedelta(days=3)  # the draft has sat for a while
    db.session.commit()
    billing.update_draft(invoice.id, currency="NGN", due_date=invoice.due_date, lines=[_line()], actor_id=staff.id)
    with pytest.raises(InvoiceRefused, match="past"):
        billing.update_draft(invoice.id, currency="NGN", due_date=hospital_today() - timedelta(days=1),
                             lines=[_line()], actor_id=staff.id)


def test_issued_invoices_are_read_only(patient, staff):
    invoice = draft(patient, staff, [_line()])
    billing.issue_invoice(invoice.id, actor_id=staff.id)
    db.session.commit()
    with pytest.raises(InvoiceConflict, match="issued — unpaid and can no longer be changed"):
        billing.update_draft(invoice.id, currency="NGN", due_date=None, lines=[_line(quantity=9)], actor_id=staff.id)
    db.session.rollback()
    invoice = db.session.get(Invoice, invoice.id)
    assert [l.quantity for l in invoice.lines] == [1] and invoice.total_minor == 500000


# Issuing and numbering


def test_issue_takes_the_next_number_of_the_year_and_audits(patient, staff):
    first = draft(patient, staff, [_line()])
    second = draft(patient, staff, [_line()])
    billing.issue_invoice(second.id, actor_id=staff.id)
    billing.issue_invoice(first.id, actor_id=staff.id)
    db.session.commit()
    assert second.number == f"INV-{YEAR}-000001"
    assert first.number == f"INV-{YEAR}-000002"
    assert (first.status, first.issued_by_id) == ("issued", staff.id)
    assert first.issued_at is not None
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "invoice.issued", AuditEntry.invoice_id == first.id)
    ).one()
    assert entry.before["status"] == "draft" and entry.before["number"] is None
    assert entry.after["status"] == "issued" and entry.after["number"] == first.number
    assert (entry.patient_id, entry.actor_id, entry.entity_type) == (patient.id, staff.id, "invoices")


def test_numbers_have_no_gaps_when_an_issue_is_rolled_back(patient, staff):
    a, b, c = (draft(patient, staff, [_line()]) for _ in range(3))
    db.session.commit()
    billing.issue_invoice(a.id, actor_id=staff.id)
    db.session.commit()
    billing.issue_invoice(b.id, actor_id=staff.id)
    db.session.rollback()  # e.g. the request failed after issuing
    billing.issue_invoice(c.id, actor_id=staff.id)
    db.session.commit()
    assert (a.number, c.number) == (f"INV-{YEAR}-000001", f"INV-{YEAR}-000002")
    assert db.session.get(Invoice, b.id).status == "draft"


def test_numbers_restart_each_year(patient, staff, monkeypatch):
    invoices = [draft(patient, staff, [_line()]) for _ in range(3)]
    # Stored UTC of 23:30 and 00:30 on the Lagos clock, either side of the hospital's new year: the number's
    # year is the hospital's, so 23:30 UTC on 31 December already numbers in the new year.
    for invoice, moment in zip(invoices, (datetime(2025, 12, 31, 22, 30), datetime(2025, 12, 31, 23, 30),
                                          datetime(2026, 1, 2, 9, 0)), strict=True):
        monkeypatch.setattr(billing, "utcnow", lambda moment=moment: moment)
        billing.issue_invoice(invoice.id, actor_id=staff.id)
    assert [i.number for i in invoices] == ["INV-2025-000001", "INV-2026-000001", "INV-2026-000002"]
    assert {s.year: s.last_number for s in db.session.scalars(select(InvoiceSequence))} == {2025: 1, 2026: 2}


@pytest.mark.parametrize(
    "lines, invoice_discount, complaint",
    [
        ([], 0, "Add at least one line"),
        ([_line(discount_minor=500000)], 0, "total of zero"),
        ([_line()], 500000, "total of zero"),
    ],
)
def test_empty_or_zero_invoices_cannot_be_issued(patient, staff, lines, invoice_discount, complaint):
    invoice = draft(patient, staff, lines, invoice_discount_minor=invoice_discount)
    db.session.commit()
    with pytest.raises(InvoiceRefused, match=complaint):
        billing.issue_invoice(invoice.id, actor_id=staff.id)
    db.session.rollback()
    assert db.session.get(Invoice, invoice.id).number is None
    assert db.session.scalar(select(func.count()).select_from(InvoiceSequence)) == 0


def test_an_invoice_is_issued_once(patient, staff):
    invoice = draft(patient, staff, [_line()])
    billing.issue_invoice(invoice.id, actor_id=staff.id)
    with pytest.raises(InvoiceConflict, match="only a draft can be issued"):
        billing.issue_invoice(invoice.id, actor_id=staff.id)
    assert invoice.number == f"INV-{YEAR}-000001"


def test_unknown_invoice_is_refused(staff):
    for action in (lambda: billing.issue_invoice(999, actor_id=staff.id),
                   lambda: billing.void_invoice(999, reason="x", actor_id=staff.id)):
        with pytest.raises(InvoiceRefused, match="does not exist"):
            action()


def _issue_in_thread(app, invoice_id, actor_id, results, errors, hold=None, started=None):
    """Issue in a separate session (its own connection), optionally holding the transaction open a while."""
    try:
        with app.app_context():
            if started:
                started.set()
            invoice = billing.issue_invoice(invoice_id, actor_id=actor_id)
            results[invoice_id] = (invoice.number, time.monotonic())
            if hold:
                hold.wait(5)
            db.session.commit()
    except Exception as error:  # reported by the test thread
        errors.append(error)


@pytest.mark.parametrize("existing_last_number", [None, 41])
def test_concurrent_issues_get_distinct_consecutive_numbers(app, patient, staff, existing_last_number):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers instead")
    if existing_last_number is not None:
        db.session.add(InvoiceSequence(year=YEAR, last_number=existing_last_number))
    a, b = draft(patient, staff, [_line()]), draft(patient, staff, [_line()])
    db.session.commit()
    results, errors, release, b_started = {}, [], threading.Event(), threading.Event()
    first = threading.Thread(target=_issue_in_thread, args=(app, a.id, staff.id, results, errors, release))
    second = threading.Thread(target=_issue_in_thread, args=(app, b.id, staff.id, results, errors, None, b_started))
    first.start()
    while a.id not in results and first.is_alive():
        time.sleep(0.01)
    second.start()  # A holds the year's counter; B must wait for it
    b_started.wait(5)
    time.sleep(0.3)
    assert b.id not in results, "the second cashier did not wait for the first"
    release.set()
    first.join(10)
    second.join(10)
    assert not errors
    start = (existing_last_number or 0) + 1
    assert results[a.id][0] == f"INV-{YEAR}-{start:06d}"
    assert results[b.id][0] == f"INV-{YEAR}-{start + 1:06d}"
    db.session.expire_all()
    assert db.session.get(InvoiceSequence, YEAR).last_number == start + 1


def test_simultaneous_issues_of_the_same_draft_issue_it_once(app, patient, staff):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    invoice_id, staff_id = draft(patient, staff, [_line()]).id, staff.id
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes = []

    def issue():
        with app.app_context():
            barrier.wait(5)
            try:
                outcomes.append(billing.issue_invoice(invoice_id, actor_id=staff_id).number)
                db.session.commit()
            except InvoiceConflict:
                outcomes.append("refused")

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == [f"INV-{YEAR}-000001", "refused"]
    db.session.expire_all()
    assert db.session.get(InvoiceSequence, YEAR).last_number == 1


# Voiding


@pytest.mark.parametrize("issued", [False, True])
def test_void_needs_a_reason_and_audits_it(patient, staff, issued):
    invoice = draft(patient, staff, [_line()])
    if issued:
        billing.issue_invoice(invoice.id, actor_id=staff.id)
    billing.void_invoice(invoice.id, reason="  Patient was billed twice  ", actor_id=staff.id)
    db.session.commit()
    assert (invoice.status, invoice.void_reason, invoice.voided_by_id) == ("void", "Patient was billed twice", staff.id)
    assert invoice.voided_at is not None
    assert (invoice.number is not None) == issued  # a voided issued invoice keeps its number: no gap
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "invoice.voided")).one()
    assert entry.before["status"] == ("issued" if issued else "draft")
    assert entry.after == {**entry.after, "status": "void", "void_reason": "Patient was billed twice"}


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 501])
def test_void_refuses_a_missing_or_overlong_reason(patient, staff, reason):
    invoice = draft(patient, staff, [_line()])
    with pytest.raises(InvoiceRefused) as refused:
        billing.void_invoice(invoice.id, reason=reason, actor_id=staff.id)
    assert refused.value.problems[0].field == "reason"
    assert invoice.status == "draft"


def test_void_is_refused_once_money_was_taken(patient, staff):
    invoice = draft(patient, staff, [_line()])
    billing.issue_invoice(invoice.id, actor_id=staff.id)
    record_payment(invoice.id, PaymentDetails(amount_minor=100000, currency="NGN", channel="cash"), actor_id=staff.id)
    db.session.commit()
    assert invoice.status == "partially_paid"
    assert not billing.can_void(invoice)
    with pytest.raises(InvoiceConflict, match="cannot be voided; refund it instead"):
        billing.void_invoice(invoice.id, reason="mistake", actor_id=staff.id)
    db.session.rollback()
    assert db.session.get(Invoice, invoice.id).status == "partially_paid"


@pytest.mark.parametrize("status", ["void", "paid", "refunded"])
def test_void_is_refused_in_other_statuses(patient, staff, status):
    invoice = draft(patient, staff, [_line()])
    invoice.status = status  # arranged directly: the statuses' own paths are tested elsewhere
    db.session.commit()
    assert not billing.can_void(invoice)
    with pytest.raises(InvoiceConflict, match="cannot be voided"):
        billing.void_invoice(invoice.id, reason="mistake", actor_id=staff.id)


def test_void_invoice_cannot_be_issued(patient, staff):
    invoice = draft(patient, staff, [_line()])
    billing.void_invoice(invoice.id, reason="wrong patient", actor_id=staff.id)
    with pytest.raises(InvoiceConflict):
        billing.issue_invoice(invoice.id, actor_id=staff.id)


# The audit trail


def test_each_change_leaves_one_audit_row(patient, staff):
    invoice = make_draft_invoice(patient=patient, created_by=staff)
    billing.update_draft(invoice.id, currency="NGN", due_date=None, lines=[_line()], actor_id=staff.id)
    billing.issue_invoice(invoice.id, actor_id=staff.id)
    billing.void_invoice(invoice.id, reason="duplicate", actor_id=staff.id)
    db.session.commit()
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["invoice.created", "invoice.updated", "invoice.issued", "invoice.voided"]
    assert {(e.invoice_id, e.patient_id, e.actor_id, e.entity_id) for e in entries} == {
        (invoice.id, patient.id, staff.id, invoice.id)
    }
    created = entries[0]
    assert created.before is None
    assert created.after["lines"] == [{
        "service_id": None, "description": "Consultation", "quantity": 1, "unit_price_minor": 750000,
        "discount_minor": 0, "line_total_minor": 750000,
    }]
