"""A declined card and a terminal that times out, as the cashier sees them on the waiting screen."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import Invoice, Payment
from billing_desk.paystack.terminals import sync_terminals
from billing_desk.shifts.service import open_shift
from tests.browser.steps import charge_on_terminal, on_sandbox_terminal, screen_status, shoot, sign_in, words
from tests.factories import make_issued_invoice, make_patient

PUSH_TTL_SECONDS = 10  # long enough for a retry and a tap on a loaded machine; the time-out test waits it out


@pytest.fixture
def app_config(app_config):
    return {**app_config, "TERMINAL_PUSH_TTL_SECONDS": PUSH_TTL_SECONDS}


@pytest.fixture
def waiting_invoice(desk, cashier, page):
    """A ₦7,500 invoice open on the cashier's screen, whose shift is open, with the sandbox's terminals."""
    sync_terminals(actor_id=None)
    open_shift(cashier.id, 0, currency="NGN")
    invoice = make_issued_invoice(patient=make_patient(email="bola.obi@example.org"), lines=((750000, 1),))
    db.session.commit()
    sign_in(page, desk, cashier.email)
    page.goto(desk.at(f"/invoices/{invoice.id}"))
    return invoice


def test_a_declined_card_leaves_the_balance_and_the_same_request_is_sent_again(desk, page, waiting_invoice):
    charge_on_terminal(page, "Desk 1")
    sandbox_page = page.context.new_page()
    on_sandbox_terminal(sandbox_page, desk, "Desk 1", "Decline the card")
    sandbox_page.close()  # the terminal page reloads itself when anything changes: a fresh tab for the next tap

    page.bring_to_front()
    page.get_by_role("button", name=words("Card declined")).click()
    expect(screen_status(page)).to_contain_text(words("You stopped waiting"))
    expect(page.get_by_role("button", name=words("Try again"))).to_be_visible()
    shoot(page, "card-declined")

    page.get_by_role("button", name=words("Try again")).click()
    on_sandbox_terminal(page.context.new_page(), desk, "Desk 1", "Approve", amount="7,500.00")
    page.bring_to_front()
    expect(screen_status(page)).to_contain_text("PAID", timeout=30_000)

    db.session.expire_all()
    assert db.session.get(Invoice, waiting_invoice.id).status == "paid"
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    # Stopping withdraws (archives) the declined request at Paystack: whatever was made, only one is payable.
    for _ in range(50):
        requests = desk.sandbox.state()["payment_requests"]
        if all(r["status"] == "success" or r.get("archived") for r in requests):
            break
        page.wait_for_timeout(200)
    assert [r["status"] for r in requests].count("success") == 1
    assert all(r["status"] == "success" or r.get("archived") for r in requests), requests


def test_a_terminal_that_times_out_says_so_and_offers_to_send_again(desk, page, waiting_invoice):
    charge_on_terminal(page, "Desk 1")
    sandbox_page = page.context.new_page()
    on_sandbox_terminal(sandbox_page, desk, "Desk 1", "Time out")

    page.bring_to_front()
    expect(screen_status(page)).to_contain_text(words("Timed out"), timeout=(PUSH_TTL_SECONDS + 10) * 1000)
    expect(screen_status(page)).to_contain_text(words("Send it again or take another payment"))
    expect(page.get_by_role("button", name=words("Try again"))).to_be_visible()
    shoot(page, "terminal-timed-out")
    page.get_by_role("link", name=words("Back to invoice")).click()
    expect(page.get_by_role("main")).to_contain_text("₦7,500.00")
    db.session.expire_all()
    assert db.session.get(Invoice, waiting_invoice.id).status == "issued"
