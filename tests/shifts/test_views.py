"""Shift pages: opening and closing by form, who may see and do what, the Z report page and its PDF."""
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import Shift
from billing_desk.shifts import service
from billing_desk.timeutil import local_day_of
from tests.conftest import sign_in
from tests.shifts.conftest import open_for, take


def text(response):
    return response.get_data(as_text=True)


def closed_shift(staff, float_minor=2_000_000, counted_minor=1_990_000, reason=None):
    shift = open_for(staff, float_minor)
    service.close_shift(shift.id, actor_id=staff.id, counted_minor=counted_minor, reason=reason)
    db.session.commit()
    return shift


def test_a_cashier_opens_a_shift_by_form(cashier_client, cashier):
    assert "My shift" in text(cashier_client.get("/shifts/mine"))
    response = cashier_client.post_form("/shifts/mine", {"opening_float": "20,000", "currency": "NGN",
                                                         "submission_key": "open-1"})
    assert response.status_code == 303
    shift = db.session.scalars(select(Shift)).one()
    assert (shift.staff_id, shift.opening_float_minor, shift.currency) == (cashier.id, 2_000_000, "NGN")
    again = cashier_client.post_form("/shifts/mine", {"opening_float": "20,000", "currency": "NGN",
                                                      "submission_key": "open-1"})
    assert again.status_code == 303 and db.session.scalar(select(func.count(Shift.id))) == 1
    assert cashier_client.get("/shifts/mine").headers["Location"].endswith(f"/shifts/{shift.id}")


@pytest.mark.parametrize("opening_float, message", [
    ("", "Enter an amount."),
    ("abc", "Enter the amount as a number"),
    ("-5", "cannot be negative"),
    ("1.234", "at most 2 decimal places"),
])
def test_bad_floats_are_refused(cashier_client, opening_float, message):
    response = cashier_client.post_form("/shifts/mine", {"opening_float": opening_float, "currency": "NGN"})
    assert response.status_code == 422 and message in text(response)
    assert db.session.scalar(select(func.count(Shift.id))) == 0


def test_a_second_open_shift_is_refused_by_form(cashier_client, cashier):
    open_for(cashier)
    response = cashier_client.post_form("/shifts/mine", {"opening_float": "100", "currency": "NGN"})
    assert response.status_code == 422 and "already have a shift open" in text(response)


def test_closing_by_notes_computes_the_count_on_the_server(cashier_client, cashier):
    shift = open_for(cashier, 2_000_000)
    take(cashier, 50_000)
    form = text(cashier_client.get(f"/shifts/{shift.id}/close"))
    assert 'for="notes_1000"' in form and 'for="counted"' in form and 'for="reason"' in form
    response = cashier_client.post_form(f"/shifts/{shift.id}/close", {"notes_1000": "20", "notes_500": "1",
                                                                       "notes_5": "2"})
    assert response.status_code == 303
    db.session.refresh(shift)
    assert shift.counted_cash_minor == 2_051_000 and shift.variance_minor == 1_000
    assert shift.denominations == {"1000": 20, "500": 1, "5": 2}
    page = text(cashier_client.get(f"/shifts/{shift.id}"))
    assert "Over by ₦10.00" in page and "2 × ₦5.00" in page
    assert "Count the drawer and close" not in page  # closed shifts are read-only


@pytest.mark.parametrize("data, message", [
    ({}, "Enter the cash you counted"),
    ({"counted": "abc"}, "Enter the amount as a number"),
    ({"notes_1000": "-1"}, "Enter a count from 0 up."),
    ({"notes_1000": "x"}, "Enter a whole number, e.g. 3."),
    ({"notes_1000": "1", "counted": "2000"}, "do not agree"),
    ({"counted": "5000"}, "Count again, or explain the difference."),
    ({"counted": "20000", "reason": "x" * 1001}, "Use at most 1000 characters."),
])
def test_bad_counts_are_refused(cashier_client, cashier, data, message):
    shift = open_for(cashier, 2_000_000)
    response = cashier_client.post_form(f"/shifts/{shift.id}/close", data)
    assert response.status_code == 422 and message in text(response)
    db.session.refresh(shift)
    assert shift.is_open


def test_someone_elses_shift_cannot_be_closed(client, cashier, other_cashier):
    shift = open_for(cashier)
    sign_in(client, other_cashier)
    assert client.get(f"/shifts/{shift.id}/close").status_code == 403
    assert client.post_form(f"/shifts/{shift.id}/close", {"counted": "20000"}).status_code == 403
    assert client.get(f"/shifts/{shift.id}").status_code == 403
    assert client.get(f"/shifts/{shift.id}/z-report.pdf").status_code == 403
    db.session.refresh(shift)
    assert shift.is_open


def test_an_administrator_closes_a_cashiers_shift_and_prints_the_z_report(admin_client, cashier):
    shift = open_for(cashier, 2_000_000)
    take(cashier, 500_000)
    page = text(admin_client.get(f"/shifts/{shift.id}"))
    assert "Count the drawer and close this shift" in page
    form = admin_client.get(f"/shifts/{shift.id}/close")
    assert form.status_code == 200 and "Close Cathy Cashier's shift #" in text(form)
    response = admin_client.post_form(f"/shifts/{shift.id}/close", {"counted": "24,995.50"})
    assert response.status_code == 303
    page = text(admin_client.get(f"/shifts/{shift.id}"))
    assert "Short by ₦4.50" in page and "Closed by</dt><dd>Ada Admin (administrator, for the cashier)" in page
    pdf = admin_client.get(f"/shifts/{shift.id}/z-report.pdf")
    pdf_text = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert "Closed by" in pdf_text and "Ada Admin (administrator, for the cashier)" in pdf_text
    assert "Cashier Cathy Cashier" in pdf_text and "Short by ₦4.50" in pdf_text


def test_a_cashier_closing_their_own_shift_is_named_without_the_administrator_note(cashier_client, cashier):
    shift = closed_shift(cashier)
    page = text(cashier_client.get(f"/shifts/{shift.id}"))
    assert "Closed by</dt><dd>Cathy Cashier</dd>" in page and "for the cashier" not in page


def test_closing_twice_gives_a_clear_message(cashier_client, cashier):
    shift = closed_shift(cashier)
    response = cashier_client.post_form(f"/shifts/{shift.id}/close", {"counted": "1"})
    assert response.status_code == 409 and "This shift was already closed at" in text(response)
    follow = cashier_client.get(f"/shifts/{shift.id}/close", follow_redirects=True)
    assert "already closed" in text(follow)
    db.session.refresh(shift)
    assert shift.counted_cash_minor == 1_990_000


def test_a_double_clicked_close_lands_on_the_report(cashier_client, cashier):
    shift = open_for(cashier, 2_000_000)
    data = {"counted": "20000", "submission_key": "close-1"}
    assert cashier_client.post_form(f"/shifts/{shift.id}/close", data).status_code == 303
    assert cashier_client.post_form(f"/shifts/{shift.id}/close", data).status_code == 303


@pytest.mark.parametrize("method, url", [
    ("get", "/shifts/999"), ("get", "/shifts/999/close"), ("post", "/shifts/999/sign-off"),
    ("get", "/shifts/999/z-report.pdf"), ("get", "/shifts/99999999999"),
])
def test_unknown_shifts_are_404(admin_client, method, url):
    response = admin_client.post_form(url) if method == "post" else admin_client.get(url)
    assert response.status_code == 404


def test_sign_off_is_for_administrators_once(client, cashier, admin):
    shift = closed_shift(cashier)
    sign_in(client, cashier)
    assert "Sign off Z report" not in text(client.get(f"/shifts/{shift.id}"))
    assert client.post_form(f"/shifts/{shift.id}/sign-off", {"note": "me"}).status_code == 403
    admin_client = sign_in(client.application.test_client(), admin)
    assert admin_client.post_form(f"/shifts/{shift.id}/sign-off", {"note": "Counted with her"}).status_code == 303
    page = text(admin_client.get(f"/shifts/{shift.id}"))
    assert "Signed off by Ada Admin" in page and "Counted with her" in page and "Sign off Z report" not in page
    again = admin_client.post_form(f"/shifts/{shift.id}/sign-off", {})
    assert again.status_code == 409 and "already signed off by Ada Admin" in text(again)


def test_an_open_shift_has_no_sign_off_and_no_pdf(admin_client, cashier):
    shift = open_for(cashier)
    assert admin_client.post_form(f"/shifts/{shift.id}/sign-off", {}).status_code == 409
    response = admin_client.get(f"/shifts/{shift.id}/z-report.pdf")
    assert response.status_code == 409 and "no Z report yet" in text(response)


def test_the_z_report_page_and_pdf(cashier_client, cashier):
    shift = open_for(cashier, 2_000_000)
    take(cashier, 750_000, tendered_minor=1_000_000)
    take(cashier, 500_000, "transfer")
    service.close_shift(shift.id, actor_id=cashier.id, counted_minor=2_600_000, reason="Float was short")
    db.session.commit()

    page = text(cashier_client.get(f"/shifts/{shift.id}"))
    for words in ("Z report — shift #", "Cathy Cashier", "Expected cash", "₦27,500.00", "₦26,000.00",
                  "Short by ₦1,500.00", "Float was short", "Bank transfer", "₦5,000.00", "Not signed off yet",
                  "No card terminal was used"):
        assert words in page, words

    response = cashier_client.get(f"/shifts/{shift.id}/z-report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    pdf_text = " ".join(reader.pages[0].extract_text().split())
    for words in ("Z report — shift #", "Cathy Cashier", "Expected cash", "27,500.00", "26,000.00",
                  "Short by", "1,500.00", "Float was short", "Bank transfer", "Cashier", "Administrator"):
        assert words in pdf_text, words


def test_admins_filter_the_list_and_cashiers_see_their_own(client, admin_client, cashier, other_cashier):
    mine = closed_shift(cashier)
    theirs = open_for(other_cashier)
    theirs.opened_at -= timedelta(days=3)
    db.session.commit()

    def listed(response):
        return {shift_id for shift_id in (mine.id, theirs.id) if f'href="/shifts/{shift_id}"' in text(response)}

    assert listed(admin_client.get("/shifts/")) == {mine.id, theirs.id}
    assert listed(admin_client.get(f"/shifts/?cashier={other_cashier.id}")) == {theirs.id}
    assert listed(admin_client.get("/shifts/?status=open")) == {theirs.id}
    assert listed(admin_client.get("/shifts/?status=closed")) == {mine.id}
    assert listed(admin_client.get("/shifts/?status=signed_off")) == set()
    day = local_day_of(mine.opened_at).isoformat()
    assert listed(admin_client.get(f"/shifts/?opened_from={day}&opened_to={day}")) == {mine.id}
    assert admin_client.get("/shifts/?opened_from=yesterday").status_code == 422
    assert admin_client.get("/shifts/?cashier=abc").status_code == 422

    sign_in(client, cashier)
    assert listed(client.get("/shifts/")) == {mine.id}
    assert listed(client.get(f"/shifts/?cashier={other_cashier.id}")) == {mine.id}
    nav = text(client.get("/shifts/mine"))
    assert ">My shift</a>" in nav and ">Shifts</a>" not in nav  # the all-shifts list is an admin entry
