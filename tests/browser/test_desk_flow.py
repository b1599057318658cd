"""The desk in a real browser: live totals in the invoice editor, search to printed receipt without the mouse,
and the receipt's print flow (the page opens the print dialog; printed, only the receipt shows)."""
import re

from playwright.sync_api import expect

from billing_desk.extensions import db
from billing_desk.models import Payment
from billing_desk.shifts.service import open_shift
from tests.browser.harness import axe_violations
from tests.browser.steps import COUNT_PRINTS, sign_in, wait_for_prints
from tests.factories import make_issued_invoice, make_patient, make_service

def test_the_invoice_editor_counts_as_the_cashier_types_and_adds_lines_in_place(desk, page, cashier):
    patient = make_patient(first_name="Ngozi", last_name="Eze")
    make_service(code="XR01", name="Chest X-ray", unit_price_minor=1_200_000)
    sign_in(page, desk, cashier.email)
    page.goto(desk.at(f"/invoices/new?patient_id={patient.id}"))
    page.evaluate("window.__same_page = true")
    line = page.locator("[data-line-row]").first
    line.get_by_label("Description").fill("Consultation")
    line.get_by_label("Quantity").fill("2")
    line.get_by_label("Unit price").fill("1,500.50")
    line.get_by_label("Line discount").fill("1")
    expect(line.locator("[data-line-amount]")).to_have_text("Amount: ₦3,000.00")
    page.get_by_label("Invoice discount").fill("100")
    expect(page.locator("[data-total='total']")).to_have_text("₦2,900.00")

    page.get_by_role("button", name="Add another line").click()
    expect(page.locator("[data-line-row]")).to_have_count(4)
    expect(page.locator("legend").last).to_have_text("Line 4")
    picker = page.get_by_label("Find a service in the price list")
    picker.fill("x-ray")
    expect(page.get_by_role("listbox", name="Matching services").get_by_role("option")).to_contain_text("Chest X-ray")
    picker.press("Enter")  # the keyboard picks the highlighted service into the first empty line
    expect(page.locator("[data-line-row]").nth(1).locator("[data-line-amount]")).to_have_text("Amount: ₦12,000.00")
    expect(page.locator("[data-total='total']")).to_have_text("₦14,900.00")
    page.get_by_role("button", name="Remove line 4").click()
    expect(page.locator("[data-line-row]")).to_have_count(3)
    assert page.evaluate("window.__same_page") is True  # no reload happened
    assert axe_violations(page) == []

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Draft invoice")
    expect(page.locator("table.totals")).to_contain_text("₦14,900.00")  # the server counted the same


def test_search_to_printed_receipt_without_the_mouse(desk, page, cashier):
    open_shift(cashier.id, 2_000_000, currency="NGN")
    db.session.commit()
    patient = make_patient(first_name="Adaeze", last_name="Okonkwo")
    invoice = make_issued_invoice(patient=patient, lines=((750_000, 1),))
    page.add_init_script(COUNT_PRINTS)
    sign_in(page, desk, cashier.email)
    page.goto(desk.at("/patients/"))
    page.keyboard.type("okonk")  # the search box has the focus; results come as you type
    expect(page.locator("#patient-results")).to_contain_text("1 patient found for “okonk”")
    expect(page.locator("#patient-results")).to_contain_text("Okonkwo, Adaeze")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#patient-results tbody a").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Adaeze Okonkwo")
    for _ in range(40):  # Tab to the invoice, as a keyboard user does
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == invoice.number:
            break
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(invoice.number)
    page.wait_for_load_state("load")  # the shortcuts script is deferred: a key pressed before it loads does nothing
    page.keyboard.press("a")  # the amount, filled in with the balance
    expect(page.get_by_label("Amount paid")).to_be_focused()
    expect(page.get_by_label("Amount paid")).to_have_value("7500.00")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Payment for invoice")
    page.wait_for_load_state("load")
    page.keyboard.press("r")  # print the receipt (A4)
    expect(page.get_by_role("heading", level=1)).to_have_text("Receipt")
    expect(page.locator("article.receipt")).to_contain_text("₦7,500.00")
    wait_for_prints(page, 1)
    payment = db.session.scalars(db.select(Payment)).one()
    db.session.refresh(payment)
    assert (payment.amount_minor, payment.channel, payment.receipt_print_count) == (750_000, "cash", 1)
    assert axe_violations(page) == []


def test_a_receipt_prints_alone_on_an_80_mm_roll_and_reprints_say_copy(desk, page, cashier):
    open_shift(cashier.id, 2_000_000, currency="NGN")
    db.session.commit()
    invoice = make_issued_invoice(lines=((420_000, 1),))
    page.add_init_script(COUNT_PRINTS)
    sign_in(page, desk, cashier.email)
    page.goto(desk.at(f"/invoices/{invoice.id}"))
    page.get_by_label("Amount paid").fill("4200")
    page.get_by_role("button", name="Record payment").click()
    page.get_by_role("button", name=re.compile(r"Print receipt \(80 mm roll\)")).click()
    wait_for_prints(page, 1)
    receipt = page.locator("article.receipt")
    expect(receipt).to_have_class(re.compile("paper-roll"))
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(receipt).to_be_visible()
    assert receipt.evaluate("node => node.getBoundingClientRect().width") < 300  # 72 mm is about 272 px
    page.emulate_media(media="screen")
    page.keyboard.press("b")
    page.get_by_role("button", name=re.compile(r"Print receipt \(A4\)")).first.click()
    expect(page.locator("article.receipt .copy")).to_have_text("COPY 2")
    expect(page.locator("article.receipt")).to_have_class(re.compile("paper-a4"))
