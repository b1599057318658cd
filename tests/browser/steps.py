"""What a person does in the browser, step by step, found by role and label text (not by CSS), so the steps
survive layout changes.

`shoot(page, name)` keeps a screenshot of the page for the guides when `BROWSER_SCREENSHOTS_DIR` is set
(`scripts/screenshots` sets it to docs/screenshots); otherwise it does nothing.
"""
import os
import re
import time
from pathlib import Path

from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD

SCREENSHOTS_DIR = os.environ.get("BROWSER_SCREENSHOTS_DIR")


def shoot(page, name, full_page=False):
    if SCREENSHOTS_DIR:
        Path(SCREENSHOTS_DIR).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS_DIR) / f"{name}.png"), full_page=full_page)


def words(text):
    """A case-insensitive pattern matching `text` anywhere in a label or a button's name."""
    return re.compile(re.escape(text), re.IGNORECASE)


def choose(select, text):
    """Pick the first option of a <select> whose label contains `text` (labels may add a price or a desk)."""
    labels = [label.strip() for label in select.locator("option").all_inner_texts()]
    select.select_option(label=next(label for label in labels if text.lower() in label.lower()))


def sign_in(page, desk, who, password=DEFAULT_PASSWORD):
    """Sign `who` in: a staff member (from tests/factories) or their email."""
    page.goto(desk.at("/login"))
    page.get_by_label("Email").fill(getattr(who, "email", who))
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def open_shift(page, float_major):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My shift").click()
    page.get_by_label(words("Opening float")).fill(float_major)
    page.get_by_role("button", name=words("Open shift")).click()
    expect(page.get_by_text(words("Shift opened"))).to_be_visible()


def fill_patient(page, patient):
    page.get_by_label("First name").fill(patient["first_name"])
    page.get_by_label(words("Last name")).fill(patient["last_name"])
    page.get_by_label("Sex").select_option(label=patient["sex"])
    page.get_by_label("Date of birth").fill(patient["date_of_birth"])
    page.get_by_label("Phone").fill(patient["phone"])
    page.get_by_label(words("Email")).fill(patient["email"])


def register_patient(page, patient, expect_duplicate=False):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    page.get_by_role("link", name=words("Register")).first.click()
    fill_patient(page, patient)
    page.get_by_role("button", name="Register patient").click()
    if expect_duplicate:
        expect(page.get_by_role("alert").filter(has_text=words("already registered"))).to_be_visible()
        shoot(page, "patient-duplicate-warning")
        page.get_by_label(words("Save anyway")).check()
        page.get_by_role("button", name="Register patient").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{patient['first_name']} {patient['last_name']}")


def build_invoice(page, services):
    """From the patient's page: a new invoice with one line per (service name, quantity), saved as a draft."""
    page.get_by_role("link", name="New invoice").click()
    for number, (service, quantity) in enumerate(services, start=1):
        line = page.get_by_role("group", name=f"Line {number}")
        if not line.count():
            page.get_by_role("button", name=words("Add another line")).click()
            line = page.get_by_role("group", name=f"Line {number}")
        choose(line.get_by_label("Service"), service)
        line.get_by_label("Quantity").fill(str(quantity))
    shoot(page, "invoice-form")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(words("Draft"))


def issue_invoice(page, email=True):
    box = page.get_by_label(words("Email the invoice"))
    box.check() if email else box.uncheck()
    page.get_by_role("button", name="Issue invoice").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("INV-")
    return re.search(r"INV-\d{4}-\d+", page.get_by_role("heading", level=1).inner_text()).group(0)


def take_cash(page, amount_major, tendered_major=None):
    page.get_by_label("Cash", exact=True).check()
    page.get_by_label(words("Amount")).first.fill(amount_major)
    if tendered_major:
        page.get_by_label(words("tendered")).fill(tendered_major)
    page.get_by_role("button", name=words("Record payment")).click()


def charge_on_terminal(page, terminal_name):
    choose(page.get_by_role("combobox", name="Terminal"), terminal_name)
    page.get_by_role("button", name=re.compile(r"Charge .* on terminal")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(words("Card payment"))


def screen_status(page):
    """The waiting screen's live status (not a flash message, which is a status too)."""
    return page.get_by_role("region", name="Status").get_by_role("status")


def on_sandbox_terminal(sandbox_page, desk, terminal_name, button, amount=None):
    """The patient's card on the sandbox's virtual terminal page: press the button whose name starts with
    `button` on `terminal_name`, once it shows the payment (of `amount`, when given) waiting."""
    sandbox_page.goto(desk.sandbox.base_url + "/")
    terminal = sandbox_page.get_by_role("article", name=words(terminal_name))
    press = terminal.get_by_role("button", name=re.compile("^" + re.escape(button)))
    expect(press.first).to_be_visible()
    if amount:
        expect(terminal).to_contain_text(amount)
    shoot(sandbox_page, "sandbox-terminal")
    press.first.click()


def wait_for_messages(smtp, count, timeout_s=20):
    """The inbox once it holds at least `count` messages (or whatever it holds when the time is up)."""
    deadline = time.monotonic() + timeout_s
    while len(smtp.messages) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return list(smtp.messages)


COUNT_PRINTS = "window.__prints = 0; window.print = () => { window.__prints += 1; };"


def wait_for_prints(page, count, timeout_s=10):
    """Poll from outside the page: the app's Content-Security-Policy forbids evaluating strings inside it."""
    deadline = time.monotonic() + timeout_s
    while page.evaluate("() => window.__prints") != count:
        assert time.monotonic() < deadline, f"the print dialog was not opened {count} time(s)"
        time.sleep(0.1)
