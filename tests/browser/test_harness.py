"""The browser harness itself: Chromium reaches the app, the worker process sends what the page queued, axe runs."""
from playwright.sync_api import expect

from tests.browser.harness import axe_violations
from tests.browser.steps import sign_in, wait_for_messages
from tests.factories import make_draft_invoice, make_patient


def test_an_invoice_issued_in_the_browser_is_emailed_by_the_worker_process(desk, page, cashier):
    invoice = make_draft_invoice(patient=make_patient(email="ada.patient@example.org"))
    sign_in(page, desk, cashier.email)
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
