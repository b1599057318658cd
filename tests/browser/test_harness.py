"""The browser harness itself: Chromium reaches the app, the worker process sends what the page queued, axe runs."""
import time

from playwright.sync_api import expect

from tests.browser.harness import axe_violations
from tests.factories import make_draft_invoice, make_patient

PASSWORD = "correct horse battery"  # tests/factories' default


def sign_in(page, desk, staff):
    page.goto(desk.at("/login"))
    page.get_by_label("Email").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def wait_for_messages(smtp, count, timeout_s=20):
    deadline = time.monotonic() + timeout_s
    while len(smtp.messages) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return smtp.messages


def test_an_invoice_issued_in_the_browser_is_emailed_by_the_worker_process(desk, page, cashier):
    invoice = make_draft_invoice(patient=make_patient(email="ada.patient@example.org"))
    sign_in(page, desk, cashier)
    page.goto(desk.at(f"/invoices/{invoice.id}"))
    page.get_by_label("Email the invoice to the patient").check()
    page.get_by_role("button", name="Issue invoice").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("INV-")

    [message] = wait_for_messages(desk.smtp, 1)
    assert message["To"].addresses[0].addr_spec == "ada.patient@example.org"
    assert "invoice" in message["Subject"].lower()


def test_the_sign_in_page_has_no_serious_accessibility_violations(desk, page):
    page.goto(desk.at("/login"))
    assert axe_violations(page) == []
