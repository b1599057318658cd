"""Charge on terminal: the invoice page's card, the push through the sandbox, refusals, the waiting screen."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Invoice, PaymentRequest, Staff, TerminalPush
from billing_desk.timeutil import utcnow
from tests.factories import make_issued_invoice, make_patient
from tests.terminals.conftest import DESK_1, PHARMACY, text_of

pytestmark = pytest.mark.integration
KEY = "0f4c1a2b3c4d5e6f708192a3b4c5d6e7"


@pytest.fixture
def invoice(app):
    """An issued NGN 12,500 invoice."""
    return make_issued_invoice(patient=make_patient(first_name="Ngozi", last_name="Eze"),
                               lines=((750000, 1), (250000, 2)))


def charge(client, invoice, terminal, submission_key=KEY):
    return client.post_form(f"/terminals/invoices/{invoice.id}/charge",
                            {"charge-terminal": str(terminal.id if hasattr(terminal, "id") else terminal),
                             "charge-submission_key": submission_key})


def push_id_of(response):
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.fullmatch(r".*/terminals/pushes/(\d+)", response.headers["Location"]).group(1))


def pushes():
    db.session.expire_all()
    return db.session.scalars(select(TerminalPush).order_by(TerminalPush.id)).all()


# ---- the card on the invoice page ------------------------------------------------------------------------

def test_card_lists_active_terminals_with_a_label_and_the_default_preselected(cashier_client, cashier, invoice,
                                                                              terminals):
    terminals[PHARMACY].desk = "Pharmacy counter"
    cashier.default_terminal_id = terminals[PHARMACY].id
    db.session.commit()
    page = cashier_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    card = page[page.index('id="charge-on-terminal"'):]
    card = card[:card.index("</section>")]
    assert '<label for="charge-terminal">Terminal</label>' in card
    options = re.findall(r'<option (selected )?value="(\d+)">([^<]+)</option>', card)
    pharmacy = terminals[PHARMACY]
    assert ("selected ", str(pharmacy.id), f"{pharmacy.name} — Pharmacy counter ({PHARMACY})") in options
    assert len(options) == 2
    assert "Charge ₦12,500.00 on terminal" in card


def test_card_leaves_out_terminals_not_in_use(cashier_client, invoice, terminals):
    terminals[PHARMACY].active = False
    db.session.commit()
    page = cashier_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert f"({DESK_1})</option>" in page and f"({PHARMACY})</option>" not in page


def test_card_without_terminals_says_so(cashier_client, invoice):
    assert "No card terminal is in use. Ask an administrator to set one up." in text_of(
        cashier_client.get(f"/invoices/{invoice.id}"))


@pytest.mark.parametrize("status", ["draft", "paid", "void"])
def test_no_card_on_invoices_that_cannot_be_charged(cashier_client, terminals, status):
    invoice = make_issued_invoice(status=status)
    page = cashier_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert 'id="charge-on-terminal"' not in page


# ---- charging --------------------------------------------------------------------------------------------

def test_charge_pushes_remembers_the_default_and_opens_the_waiting_screen(cashier_client, cashier, sandbox, invoice,
                                                                         terminals):
    response = charge(cashier_client, invoice, terminals[DESK_1])
    push = db.session.get(TerminalPush, push_id_of(response))
    assert (push.invoice_id, push.terminal_id, push.staff_id) == (invoice.id, terminals[DESK_1].id, cashier.id)
    assert db.session.get(Staff, cashier.id).default_terminal_id == terminals[DESK_1].id
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.default_terminal")).one()
    assert audit.after == {"default_terminal_id": terminals[DESK_1].id} and audit.actor_id == cashier.id
    pushed = [e for e in sandbox.state()["events"] if e["terminal_id"] == DESK_1]
    assert len(pushed) == 1 and pushed[0]["state"] == "waiting"

    page = cashier_client.get(response.headers["Location"])
    assert page.status_code == 200
    words = text_of(page)
    assert invoice.number in words and "Ngozi Eze" in words and "₦12,500.00" in words and terminals[DESK_1].name in words
    html = page.get_data(as_text=True)
    assert 'aria-live="polite"' in html and "js/terminal-wait.js" in html
    assert f'data-status-url="/terminals/pushes/{push.id}/status.json"' in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert "On the terminal — waiting for the patient's card" in words


def test_the_next_invoice_page_preselects_the_terminal_used_last(cashier_client, invoice, terminals):
    push_id_of(charge(cashier_client, invoice, terminals[PHARMACY]))
    other = make_issued_invoice()
    page = cashier_client.get(f"/invoices/{other.id}").get_data(as_text=True)
    assert f'<option selected value="{terminals[PHARMACY].id}">' in page


def test_a_double_submit_opens_the_first_push(cashier_client, invoice, terminals):
    first = push_id_of(charge(cashier_client, invoice, terminals[DESK_1]))
    second = push_id_of(charge(cashier_client, invoice, terminals[DESK_1]))
    assert first == second and len(pushes()) == 1


@pytest.mark.parametrize("state, words", [
    ({"online": False}, "is offline"),
    ({"online": True, "available": False}, "is busy with another payment"),
])
def test_offline_or_busy_terminal_is_refused_and_nothing_is_pushed(cashier_client, cashier, sandbox, invoice,
                                                                    terminals, state, words):
    sandbox.control(f"/terminals/{DESK_1}/state", state)
    response = charge(cashier_client, invoice, terminals[DESK_1])
    assert response.status_code == 409
    page = text_of(response)
    assert words in page and "Nothing was sent" in page
    assert 'id="charge-on-terminal"' in response.get_data(as_text=True)  # the card is there to pick another
    assert pushes() == [] and sandbox.state()["events"] == []
    assert db.session.get(Staff, cashier.id).default_terminal_id is None


def test_paystack_failing_is_a_502_with_a_message(app, cashier_client, sandbox, invoice, terminals):
    app.config["PAYSTACK_MAX_RETRIES"] = 0
    sandbox.faults(fail_next=10)
    response = charge(cashier_client, invoice, terminals[DESK_1])
    assert response.status_code == 502
    assert "Paystack answered with an error" in text_of(response)
    assert pushes() == []


@pytest.mark.parametrize("status, words", [
    ("draft", "is draft: there is nothing to collect."),
    ("void", "is void: there is nothing to collect."),
    ("paid", "is paid: there is nothing to collect."),
])
def test_invoices_that_cannot_be_charged_are_refused(cashier_client, sandbox, terminals, status, words):
    invoice = make_issued_invoice(status=status)
    for terminal in (terminals[DESK_1], "not-a-number"):
        response = charge(cashier_client, invoice, terminal)
        assert response.status_code == 409
        assert words in text_of(response)
    assert pushes() == [] and sandbox.state()["payment_requests"] == []


@pytest.mark.parametrize("terminal", ["", "abc", "999", "-1"])
def test_a_terminal_not_in_the_list_is_a_form_error(cashier_client, invoice, terminals, terminal):
    response = charge(cashier_client, invoice, terminal)
    assert response.status_code == 422
    assert "Pick one of the terminals in use." in text_of(response)
    assert pushes() == []


def test_a_terminal_taken_out_of_use_is_refused(cashier_client, invoice, terminals):
    terminals[PHARMACY].active = False
    db.session.commit()
    response = charge(cashier_client, invoice, terminals[PHARMACY])
    assert response.status_code == 422 and pushes() == []


@pytest.mark.parametrize("url", [
    "/terminals/invoices/999/charge", "/terminals/invoices/99999999999/charge",
])
def test_charging_an_unknown_invoice_is_404(cashier_client, terminals, url):
    assert cashier_client.post_form(url, {"charge-terminal": terminals[DESK_1].id}).status_code == 404


@pytest.mark.parametrize("url", [
    "/terminals/pushes/999", "/terminals/pushes/999/status.json", "/terminals/pushes/99999999999/status.json",
])
def test_unknown_push_is_404(cashier_client, url):
    assert cashier_client.get(url).status_code == 404


def test_signed_out_status_is_not_shown(client, invoice, terminals):
    assert client.get("/terminals/pushes/1/status.json").status_code == 302


# ---- the status JSON and the screen after a failure -------------------------------------------------------

def test_status_json_shape_and_values(cashier_client, invoice, terminals):
    push_id = push_id_of(charge(cashier_client, invoice, terminals[DESK_1]))
    response = cashier_client.get(f"/terminals/pushes/{push_id}/status.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"status", "status_text", "message", "invoice_status", "balance_due_minor",
                         "balance_due_text", "currency", "finished"}
    assert (body["status"], body["finished"]) == ("delivered", False)
    assert body["status_text"] == "On the terminal — waiting for the patient's card"
    assert (body["invoice_status"], body["balance_due_minor"], body["currency"]) == ("issued", 1_250_000, "NGN")
    assert body["balance_due_text"] == "₦12,500.00"
    assert "₦12,500.00" in body["message"]
    assert pushes()[0].status == "sent" and pushes()[0].delivered_at is None  # reported, not stored (a GET)


def test_status_json_when_paystack_does_not_answer(app, cashier_client, sandbox, invoice, terminals):
    push_id = push_id_of(charge(cashier_client, invoice, terminals[DESK_1]))
    app.config["PAYSTACK_BASE_URL"] = "http://127.0.0.1:1"  # nothing listens there
    body = cashier_client.get(f"/terminals/pushes/{push_id}/status.json").get_json()
    # sync reports the failed delivery check in its message rather than raising
    assert body["status"] == "waiting" and "Paystack could not be asked just now" in body["message"]


def expire(push_id):
    push = db.session.get(TerminalPush, push_id)
    push.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def push_audit():
    return db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.like("terminal_push.%")).order_by(AuditEntry.id)
    ).all()


@pytest.mark.parametrize("path", ["/status.json", ""], ids=["status json", "waiting page"])
def test_a_get_on_an_expired_push_says_expired_and_writes_nothing(cashier_client, invoice, terminals, path):
    push_id = push_id_of(charge(cashier_client, invoice, terminals[DESK_1]))
    expire(push_id)
    before = (pushes()[0].status, pushes()[0].finished_at, push_audit())
    assert before == ("sent", None, ["terminal_push.sent"])

    response = cashier_client.get(f"/terminals/pushes/{push_id}{path}")

    assert response.status_code == 200
    if path:
        assert response.get_json()["status"] == "expired"
    else:
        assert "Timed out — the terminal did not finish in time" in text_of(response)
    assert (pushes()[0].status, pushes()[0].finished_at, push_audit()) == before


def test_the_sweep_stores_the_expiry(cashier_client, invoice, terminals):
    from billing_desk.paystack import sweep

    push_id = push_id_of(charge(cashier_client, invoice, terminals[DESK_1]))
    expire(push_id)
    sweep.expire_pushes(sweep.SweepReport())
    assert pushes()[0].status == "expired" and pushes()[0].finished_at is not None
    assert push_audit() == ["terminal_push.sent", "terminal_push.expired"]


def test_an_expired_push_offers_both_ways_to_try_again(cashier_client, sandbox, invoice, terminals):
    push_id = push_id_of(charge(cashier_client, invoice, terminals[DESK_1]))
    page = cashier_client.get(f"/terminals/pushes/{push_id}").get_data(as_text=True)
    assert '<section class="card no-print" id="push-retry" hidden aria-labelledby' in page
    expire(push_id)

    body = cashier_client.get(f"/terminals/pushes/{push_id}/status.json").get_json()
    assert (body["status"], body["finished"]) == ("expired", True)
    assert body["status_text"] == "Timed out — the terminal did not finish in time"
    page = cashier_client.get(f"/terminals/pushes/{push_id}").get_data(as_text=True)
    assert '<section class="card no-print" id="push-retry" aria-labelledby' in page
    assert "Try again on this terminal</button>" in page and "Use another terminal</button>" in page
    assert '<meta http-equiv="refresh"' not in page  # finished: nothing left to wait for
    retry_form = page[page.index('id="push-retry"'):]
    assert f'name="charge-terminal" value="{terminals[DESK_1].id}"' in retry_form
    other_options = re.findall(r'<option (?:selected )?value="(\d+)">', retry_form)
    assert other_options == [str(terminals[PHARMACY].id)]

    # Submitting "Try again on this terminal" exactly as the page has it makes a new push on the same terminal.
    sandbox.control(f"/terminals/{DESK_1}/timeout")  # the terminal gave up too, so it is free again
    try_again = retry_form[:retry_form.index("Try again on this terminal")]
    fields = dict(re.findall(r'<input type="hidden" name="(charge-[^"]+)" value="([^"]*)">', try_again))
    assert set(fields) == {"charge-terminal", "charge-submission_key"}
    retried = push_id_of(cashier_client.post_form(f"/terminals/invoices/{invoice.id}/charge", fields))
    assert retried != push_id and db.session.get(TerminalPush, retried).terminal_id == terminals[DESK_1].id


@pytest.mark.parametrize("terminal", [DESK_1, PHARMACY], ids=["same terminal", "another terminal"])
def test_trying_again_reuses_the_payment_request(cashier_client, sandbox, invoice, terminals, terminal):
    first = push_id_of(charge(cashier_client, invoice, terminals[DESK_1]))
    sandbox.control(f"/terminals/{DESK_1}/timeout")  # the patient walked away; the terminal is free again
    expire(first)
    second = push_id_of(charge(cashier_client, invoice, terminals[terminal], submission_key="another-key"))
    assert second != first
    requests = db.session.scalars(select(PaymentRequest)).all()
    assert len(requests) == 1 and len(sandbox.state()["payment_requests"]) == 1
    assert {p.payment_request_id for p in pushes()} == {requests[0].id}
    assert db.session.get(TerminalPush, second).terminal_id == terminals[terminal].id


def test_the_replaced_push_says_so(cashier_client, sandbox, invoice, terminals):
    first = push_id_of(charge(cashier_client, invoice, terminals[DESK_1]))
    push_id_of(charge(cashier_client, invoice, terminals[PHARMACY], submission_key="another-key"))
    body = cashier_client.get(f"/terminals/pushes/{first}/status.json").get_json()
    assert (body["status"], body["finished"], body["status_text"]) == ("replaced", True, "Replaced by a newer charge")
    assert db.session.get(Invoice, invoice.id).status == "issued"
