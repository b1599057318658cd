"""Page furniture found wanting in a browser walk: field hints and errors tied to their inputs, one current
navigation entry, payment channels in words, refunds reachable from the invoice page with visible buttons, and
the patients' invoice page's icon."""
import re

import pytest

from billing_desk.public.links import make_token
from tests.conftest import sign_in
from tests.factories import make_issued_invoice, make_patient
from tests.payments.helpers import pay_at_desk


def input_tag(html, field_id):
    match = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', html)
    assert match, f"no input #{field_id}"
    return match.group(0)


def test_a_fields_hint_and_error_are_read_with_it(cashier_client):
    response = cashier_client.post_form("/patients/new", {"first_name": "Ada", "last_name": "Obi", "sex": "female",
                                                          "phone": "12ab"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-describedby="phone-hint phone-err"' in input_tag(html, "phone")
    assert 'id="phone-hint"' in html and 'id="phone-err"' in html


def test_a_hint_alone_is_read_with_its_field(cashier_client):
    html = cashier_client.get("/patients/new").get_data(as_text=True)
    tag = input_tag(html, "phone")
    assert 'aria-describedby="phone-hint"' in tag and "aria-invalid" not in tag


@pytest.mark.parametrize(("role", "url", "current"), [
    ("admin", "/shifts/", "Shifts"),
    ("admin", "/shifts/mine", "My shift"),
    ("cashier", "/shifts/mine", "My shift"),
    ("cashier", "/patients/new", "Patients"),
    ("admin", "/admin/emails", "Admin"),
    ("admin", "/paystack/events", "Admin"),
])
def test_one_navigation_entry_is_current(client, cashier, admin, role, url, current):
    sign_in(client, admin if role == "admin" else cashier)
    response = client.get(url, follow_redirects=True)
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', response.get_data(as_text=True), re.S).group(1)
    assert re.findall(r'aria-current="page">([^<]+)<', nav) == [current]


def test_invoice_page_names_the_payment_channel_in_words(cashier_client):
    invoice = make_issued_invoice(make_patient())
    assert pay_at_desk(cashier_client, invoice, amount="1000", channel="transfer", reference="TRF-1").status_code == 303
    html = cashier_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "<td>Bank transfer</td>" in html and "<td>Transfer</td>" not in html


@pytest.mark.parametrize(("role", "offered"), [("admin", True), ("cashier", False)])
def test_invoice_page_offers_refunds_to_administrators(client, cashier, admin, role, offered):
    sign_in(client, admin if role == "admin" else cashier)
    invoice = make_issued_invoice(make_patient())
    pay_at_desk(client, invoice, amount="1000")
    html = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert ("<h2>Refunds</h2>" in html) is offered
    assert bool(re.search(r'href="/payments/\d+/refund"', html)) is offered


def test_refund_page_buttons_are_visible_on_a_pale_page(admin_client):
    invoice = make_issued_invoice(make_patient())
    pay_at_desk(admin_client, invoice, amount="1000")
    invoice_page = admin_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    refund_url = re.search(r'href="(/payments/\d+/refund)"', invoice_page)
    html = admin_client.get(refund_url.group(1)).get_data(as_text=True)
    main = html[html.index("<main"):]
    assert "btn-ghost" not in main and "Refund this payment</button>" in main
    assert re.search(r"by cash\s+on", main)


def test_patients_invoice_page_has_an_icon(client):
    invoice = make_issued_invoice(make_patient())
    html = client.get(f"/p/{make_token(invoice.id)}").get_data(as_text=True)
    assert '<link rel="icon"' in html


def duplicate_ids(html):
    """Ids that more than one element of the page carries (a label or aria-describedby would find the wrong one)."""
    from html.parser import HTMLParser

    seen = []

    class Ids(HTMLParser):
        def handle_starttag(self, tag, attrs):
            seen.extend(value for name, value in attrs if name == "id")

    Ids().feed(html)
    return sorted({value for value in seen if seen.count(value) > 1})


def test_pages_with_several_forms_keep_their_ids_unique(admin_client, admin):
    from datetime import timedelta

    from billing_desk.extensions import db
    from billing_desk.models import SignInPause, Terminal
    from billing_desk.timeutil import utcnow
    from tests.factories import make_draft_invoice, make_staff

    db.session.add(Terminal(terminal_id="T-1", name="Front desk", desk="Desk 1"))
    locked = make_staff(email="locked@example.org", full_name="Lola Locked")
    db.session.add(SignInPause(staff_id=locked.id, address="10.0.0.1", paused_until=utcnow() + timedelta(hours=1)))
    make_staff(email="gone@example.org", full_name="Gus Gone", active=False)
    db.session.commit()
    invoice = make_issued_invoice(make_patient(email="ngozi@example.org"), lines=((750000, 2),))
    assert pay_at_desk(admin_client, invoice, amount="1000", channel="transfer", reference="TRF-1").status_code == 303
    draft = make_draft_invoice()
    pages = {url: admin_client.get(url).get_data(as_text=True)
             for url in (f"/invoices/{invoice.id}", f"/invoices/{draft.id}", "/admin/staff")}
    assert pages[f"/invoices/{invoice.id}"].count("<form") >= 4 and pages["/admin/staff"].count("<form") >= 3
    assert {url: duplicate_ids(html) for url, html in pages.items()} == {url: [] for url in pages}
