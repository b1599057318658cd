"""A cashier's day and an administrator's close, in a real browser, against the whole product on loopback.

The cashier opens a shift, registers a patient (past the duplicate warning), builds and issues an invoice with
email, takes part in cash and charges the rest on the sandbox's virtual terminal; the waiting screen turns PAID
by itself once the webhook has been applied by the worker process; the receipt prints. The patient's mailbox
holds the invoice and one receipt per payment, and the link in the email shows the balance as it is now. The
administrator closes the shift with a variance, prints the Z report and sees the takings in the statistics.
"""
import re

import pytest
from playwright.sync_api import expect

from billing_desk.extensions import db
from billing_desk.paystack.terminals import sync_terminals
from tests.browser.harness import axe_violations
from tests.browser.steps import (
    COUNT_PRINTS, SCREENSHOTS_DIR, build_invoice, charge_on_terminal, issue_invoice, on_sandbox_terminal, open_shift,
    register_patient, screen_status, shoot, sign_in, take_cash, wait_for_messages, wait_for_prints, words,
)
from tests.factories import make_patient, make_service, make_staff
from tests.notifications.helpers import links_in, parts

NEW_PATIENT = {"first_name": "Ngozi", "last_name": "Eze", "sex": "Female", "date_of_birth": "1988-03-14",
               "phone": "0803 555 0101", "email": "ngozi.eze@example.org"}
SERVICES = (("Consultation — General Practitioner", 1), ("Full blood count", 2))  # ₦7,500 + 2 × ₦2,500
TOTAL, CASH, CARD = "12,500.00", "5,000.00", "7,500.00"


@pytest.fixture
def hospital(desk):
    """What the desk finds in the morning: staff, a price list, the terminals, and a patient already on file
    who shares the new patient's phone."""
    make_service(code="CON-GP", name="Consultation — General Practitioner", unit_price_minor=750_000)
    make_service(code="LAB-FBC", name="Full blood count", unit_price_minor=250_000)
    make_patient(first_name="Chidi", last_name="Eze", phone="+2348035550101")
    sync_terminals(actor_id=None)
    db.session.commit()
    return {"cashier": make_staff(role="cashier", email="tunde@stlukes.example.org", full_name="Tunde Bello"),
            "admin": make_staff(role="admin", email="amaka@stlukes.example.org", full_name="Amaka Okafor")}


def check_accessible(page):
    assert axe_violations(page) == []


def test_a_desk_day_from_opening_the_shift_to_the_z_report(desk, page, chromium, hospital):
    sign_in(page, desk, hospital["cashier"].email)
    open_shift(page, "20000")
    register_patient(page, NEW_PATIENT, expect_duplicate=True)
    shoot(page, "patient")
    build_invoice(page, SERVICES)
    issue_invoice(page, email=True)
    expect(page.get_by_text(f"₦{TOTAL}").first).to_be_visible()
    shoot(page, "issued-invoice", full_page=True)

    take_cash(page, "5000", tendered_major="6000")
    expect(page.get_by_role("heading", name=words("change"))).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("₦1,000.00")
    shoot(page, "cash-payment")
    page.get_by_role("main").get_by_role("link", name=words("invoice")).first.click()
    charge_on_terminal(page, "Desk 1")
    expect(screen_status(page)).to_contain_text(words("waiting for the patient"))
    shoot(page, "waiting-screen")
    check_accessible(page)

    sandbox_page = page.context.new_page()
    on_sandbox_terminal(sandbox_page, desk, "Desk 1", "Approve", amount=CARD)
    sandbox_page.close()
    expect(screen_status(page)).to_contain_text("PAID", timeout=30_000)
    shoot(page, "paid")
    check_accessible(page)

    page.get_by_role("link", name=words("Go to the invoice")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(words("Paid"))
    print_receipt(page)
    page.goto(desk.at("/"))
    shoot(page, "cashier-home")

    invoice_link = check_mailbox(desk, page)
    check_patient_link(chromium, invoice_link)
    close_shift_as_admin(chromium, desk, hospital)


def print_receipt(page):
    """Print the card payment's receipt: the desk counts the print, shows the receipt with the lines paid and
    the card, and opens the browser's print dialog by itself (recorded here instead of a real printer)."""
    page.add_init_script(COUNT_PRINTS)
    page.get_by_role("button", name=re.compile(rf"receipt .*for ₦{re.escape(CARD)}", re.I)).first.click()
    receipt = page.get_by_role("article", name="Receipt")
    expect(receipt).to_contain_text(f"₦{CARD}")
    expect(receipt).to_contain_text("Full blood count")
    wait_for_prints(page, 1)
    shoot(page, "receipt", full_page=True)


def check_mailbox(desk, page):
    """The invoice email and exactly one receipt per payment (cash and card); returns the invoice's link."""
    messages = wait_for_messages(desk.smtp, 3)
    subjects = sorted(message["Subject"] for message in messages)
    assert len(messages) == 3, subjects
    assert {m["To"].addresses[0].addr_spec for m in messages} == {NEW_PATIENT["email"]}
    receipts = [s for s in subjects if "receipt" in s.lower()]
    assert len(receipts) == 2 and any(CASH in s for s in receipts) and any(CARD in s for s in receipts)
    invoice_email = next(m for m in messages if "receipt" not in m["Subject"].lower())
    text, html, attachments = parts(invoice_email)
    assert [a.get_content_type() for a in attachments] == ["application/pdf"]
    if SCREENSHOTS_DIR:
        email_page = page.context.new_page()
        email_page.set_content(html)
        shoot(email_page, "invoice-email", full_page=True)
        email_page.close()
    return next(url for url in links_in(text) if "/p/" in url)


def check_patient_link(chromium, link):
    """The patient opens the link from the invoice email (sent before any payment): it shows today's balance."""
    context = chromium.new_context(viewport={"width": 420, "height": 860})
    patient_page = context.new_page()
    patient_page.goto(link)
    expect(patient_page.get_by_text(words("Balance due")).first).to_be_visible()
    expect(patient_page.get_by_role("main")).to_contain_text("₦0.00")
    shoot(patient_page, "patient-link-page", full_page=True)
    context.close()


def close_shift_as_admin(chromium, desk, hospital):
    """Float ₦20,000 + cash ₦5,000 should be ₦25,000 in the drawer; the administrator counts ₦24,500."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    admin_page = context.new_page()
    sign_in(admin_page, desk, hospital["admin"].email)
    admin_page.get_by_role("navigation", name="Main").get_by_role("link", name="Shifts").click()
    admin_page.get_by_role("link", name=re.compile(r"Tunde Bello|#\d+")).first.click()
    admin_page.get_by_role("link", name=words("close this shift")).click()
    admin_page.get_by_label(words("Counted cash")).fill("24500")
    admin_page.get_by_role("button", name=words("Close shift")).click()
    report = admin_page.get_by_role("main")
    expect(report).to_contain_text(words("Short by ₦500.00"))
    expect(report).to_contain_text("₦25,000.00")
    shoot(admin_page, "z-report", full_page=True)
    pdf = context.request.get(desk.at(admin_page.get_by_role("link", name=words("Z report PDF")).get_attribute("href")))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    admin_page.emulate_media(media="print")  # what the "Print Z report" button sends to the printer
    expect(admin_page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(report).to_contain_text(words("Short by ₦500.00"))
    admin_page.emulate_media(media="screen")

    admin_page.get_by_role("navigation", name="Main").get_by_role("link", name="Statistics").click()
    takings = admin_page.get_by_role("main")
    expect(takings).to_contain_text(f"₦{TOTAL}")
    expect(takings).to_contain_text(f"₦{CASH}")
    expect(takings).to_contain_text(f"₦{CARD}")
    shoot(admin_page, "statistics", full_page=True)
    admin_page.goto(desk.at("/paystack/events"))
    expect(admin_page.get_by_role("main")).to_contain_text("paymentrequest.success")
    shoot(admin_page, "webhook-events")
    context.close()
