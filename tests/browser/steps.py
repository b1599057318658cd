"""What a person does in the browser, step by step, found by role and label text (not by CSS), so the steps
survive layout changes."""
import time

from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD


def sign_in(page, desk, email, password=DEFAULT_PASSWORD):
    page.goto(desk.at("/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def wait_for_messages(smtp, count, timeout_s=20):
    """The inbox once it holds at least `count` messages (or whatever it holds when the time is up)."""
    deadline = time.monotonic() + timeout_s
    while len(smtp.messages) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return list(smtp.messages)
