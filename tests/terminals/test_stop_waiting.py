"""The waiting screen while the card is out: "stop waiting" (a declined card sends no webhook) and another
terminal, both offered before the push has finished."""
import re

import pytest
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import AuditEntry, PaymentRequest, TerminalPush
from tests.terminals.conftest import DESK_1, PHARMACY, text_of
from tests.terminals.test_charge import charge, invoice, push_id_of, pushes  # noqa: F401  (fixture)

pytestmark = pytest.mark.integration
STOP = "Card declined or patient cancelled — stop waiting"


def section(page, section_id):
    """The opening tag of a section and what follows it up to the next section."""
    html = page.get_data(as_text=True)
    start = html.index(f'id="{section_id}"')
    end = html.find("<section", start)
    return html[html.rindex("<section", 0, start):end if end > 0 else None]


def stop_waiting(client, push_id):
    page = client.get(f"/terminals/pushes/{push_id}")
    token = re.search(r'name="stop-csrf_token" type="hidden" value="([^"]+)"', section(page, "push-stop")).group(1)
    return client.post(f"/terminals/pushes/{push_id}/cancel", data={"stop-csrf_token": token})


def test_while_waiting_the_screen_offers_stop_and_another_terminal_but_not_retry(cashier_client, invoice,
                                                                                 terminals):
    push_id = push_id_of(charge(cashier_client, invoice, terminals[DESK_1]))
    page = cashier_client.get(f"/terminals/pushes/{push_id}")

    stop = section(page, "push-stop")
    assert " hidden" not in stop.split(">")[0] and f"{STOP}</button>" in stop
    assert f'action="/terminals/pushes/{push_id}/cancel"' in stop
    other = section(page, "push-other")
    assert " hidden" not in other.split(">")[0] and "Use another terminal</button>" in other
    assert re.findall(r'<option (?:selected )?value="(\d+)">', other) == [str(terminals[PHARMACY].id)]
    assert " hidden " in section(page, "push-retry").split(">")[0]


def test_stopping_cancels_the_push_audited_and_offers_both_ways_to_try_again(cashier_client, cashier, sandbox,
                                                                             invoice, terminals):
    push_id = push_id_of(charge(cashier_client, invoice, terminals[DESK_1]))
    sandbox.control(f"/terminals/{DESK_1}/decline")

    response = stop_waiting(cashier_client, push_id)

    assert response.status_code == 303 and response.headers["Location"].endswith(f"/terminals/pushes/{push_id}")
    assert pushes()[0].status == "cancelled" and pushes()[0].finished_at is not None
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "terminal_push.cancelled")).one()
    assert (entry.actor_id, entry.before, entry.after) == (cashier.id, {"status": "sent"}, {"status": "cancelled"})

    body = cashier_client.get(f"/terminals/pushes/{push_id}/status.json").get_json()
    assert (body["status"], body["finished"]) == ("cancelled", True)
    assert "You stopped waiting" in body["message"] and "still recorded" in body["message"]
    page = cashier_client.get(f"/terminals/pushes/{push_id}")
    assert "Stopped waiting for the card." in text_of(page)
    assert " hidden " in section(page, "push-stop").split(">")[0]
    retry = section(page, "push-retry")
    assert " hidden" not in retry.split(">")[0] and "Try again on this terminal</button>" in retry
    assert "Use another terminal</button>" in section(page, "push-other")

    # "Try again on this terminal", as the page has it, pushes a fresh request: the stopped one was withdrawn
    # from the terminal, so a late tap on it cannot charge.
    fields = dict(re.findall(r'<input type="hidden" name="(charge-[^"]+)" value="([^"]*)">', retry))
    again = push_id_of(cashier_client.post_form(f"/terminals/invoices/{invoice.id}/charge", fields))
    assert again != push_id and db.session.get(TerminalPush, again).status == "sent"
    statuses = [r.status for r in db.session.scalars(select(PaymentRequest).order_by(PaymentRequest.id))]
    assert statuses == ["archived", "pending"]
    assert sorted(r["archived"] for r in sandbox.state()["payment_requests"]) == [False, True]


def test_stopping_twice_or_a_finished_push_changes_nothing(cashier_client, invoice, terminals):
    push_id = push_id_of(charge(cashier_client, invoice, terminals[DESK_1]))
    stop_waiting(cashier_client, push_id)
    assert stop_waiting(cashier_client, push_id).status_code == 303
    assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.action == "terminal_push.cancelled")).all() \
        == ["terminal_push.cancelled"]


def test_stopping_needs_the_csrf_token(cashier_client, invoice, terminals):
    push_id = push_id_of(charge(cashier_client, invoice, terminals[DESK_1]))
    assert cashier_client.post(f"/terminals/pushes/{push_id}/cancel").status_code == 400
    assert pushes()[0].status == "sent"


def test_stopping_an_unknown_push_is_404(cashier_client):
    assert cashier_client.post_form("/terminals/pushes/999999/cancel", {}).status_code == 404
