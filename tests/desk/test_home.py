"""The cashier's home: my shift with takings by channel, invoices waiting, terminals, recent patients."""
import re
from datetime import timedelta

from billing_desk.extensions import db
from billing_desk.models import Invoice, PaymentRequest, TerminalPush
from billing_desk.shifts.service import open_shift
from billing_desk.timeutil import utcnow
from tests.factories import make_draft_invoice, make_issued_invoice, make_patient
from tests.payments.helpers import pay_at_desk
from tests.paystack.webhook_fixtures import make_terminal


def home(client):
    response = client.get("/desk")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_signing_in_and_the_start_page_lead_to_my_day(cashier_client):
    assert cashier_client.get("/").headers["Location"] == "/desk"
    html = home(cashier_client)
    assert "<h1>My day</h1>" in html and 'aria-current="page">My day' in html


def test_without_a_shift_the_home_page_links_to_opening_one(app, cashier_client):
    app.config["REQUIRE_OPEN_SHIFT"] = True
    html = home(cashier_client)
    assert "You have no open shift" in html and 'href="/shifts/mine">Open a shift</a>' in html
    invoice = make_issued_invoice()
    page = cashier_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "You need an open shift" in page and 'href="/shifts/mine">Open a shift</a>' in page
    refused = pay_at_desk(cashier_client, invoice, amount="10")
    assert refused.status_code == 422
    assert 'href="/shifts/mine">Open a shift</a>' in refused.get_data(as_text=True)


def test_my_shift_shows_takings_by_channel_so_far(app, cashier_client, cashier):
    app.config["REQUIRE_OPEN_SHIFT"] = True
    shift = open_shift(cashier.id, 2_000_000, currency="NGN")
    db.session.commit()
    invoice = make_issued_invoice(lines=((1_000_000, 1),))
    pay_at_desk(cashier_client, invoice, amount="2500")
    pay_at_desk(cashier_client, invoice, amount="1000")
    pay_at_desk(cashier_client, invoice, channel="transfer", amount="4000", reference="TRF-1")
    for html in (home(cashier_client), cashier_client.get(f"/shifts/{shift.id}").get_data(as_text=True)):
        assert "₦3,500.00" in html and "₦4,000.00" in html
        assert "Bank transfer" in html and "Card (terminal)" in html
    assert "You have no open shift" not in home(cashier_client)


def test_waiting_invoices_terminals_and_recent_patients(cashier_client, cashier):
    patient = make_patient(first_name="Kemi", last_name="Adeyemi")
    waiting = make_issued_invoice(patient=patient, lines=((250_000, 1),))
    paid = make_issued_invoice(lines=((100_000, 1),))
    pay_at_desk(cashier_client, paid, amount="1000")
    make_draft_invoice(patient=make_patient(first_name="Musa", last_name="Usman"), created_by=cashier)
    free, busy = make_terminal(code="T-A", name="Terminal A"), make_terminal(code="T-B", name="Terminal B")
    request = PaymentRequest(invoice_id=waiting.id, amount_minor=250_000, currency="NGN", status="pending")
    db.session.add(request)
    db.session.flush()
    db.session.add(TerminalPush(invoice_id=waiting.id, payment_request_id=request.id, terminal_id=busy.id,
                                status="sent", expires_at=utcnow() + timedelta(minutes=2)))
    db.session.commit()
    html = home(cashier_client)
    number = db.session.get(Invoice, waiting.id).number
    assert number in html and "₦2,500.00" in html and db.session.get(Invoice, paid.id).number not in html
    assert re.search(r"Terminal A</strong>[^<]*:\s*Free", html)
    assert re.search(rf"Terminal B</strong>[^<]*:\s*Busy — charging invoice {number}", html)
    waiting_part, recent_part = html.split("My recent patients")
    assert "Kemi Adeyemi" in waiting_part and "Musa Usman" in recent_part and "Kemi Adeyemi" not in recent_part
    assert free.active and busy.active
