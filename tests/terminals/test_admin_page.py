"""The administrators' Terminals page: list with presence in words, refresh from Paystack, name/desk/in use."""
import pytest
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Terminal
from tests.terminals.conftest import DESK_1, PHARMACY, text_of

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("method, url", [
    ("get", "/terminals/"), ("post", "/terminals/refresh"), ("post", "/terminals/1"),
])
def test_cashiers_are_refused(cashier_client, terminals, method, url):
    response = cashier_client.get(url) if method == "get" else cashier_client.post_form(url, {})
    assert response.status_code == 403


@pytest.mark.parametrize("who, shown", [("admin_client", True), ("cashier_client", False)])
def test_navigation_shows_terminals_to_admins_only(request, who, shown):
    page = request.getfixturevalue(who).get("/patients/").get_data(as_text=True)
    assert ('href="/terminals/"' in page) is shown


def test_refresh_from_paystack_creates_the_terminals(admin_client):
    assert admin_client.get("/terminals/").status_code == 200
    response = admin_client.post_form("/terminals/refresh", {})
    assert response.status_code == 303
    rows = db.session.scalars(select(Terminal).order_by(Terminal.terminal_id)).all()
    assert [(t.terminal_id, t.active) for t in rows] == [(DESK_1, True), (PHARMACY, True)]
    page = text_of(admin_client.get("/terminals/"))
    assert "Terminals refreshed from Paystack: 2 new, 0 changed." in page
    assert page.count("Online, ready") == 2
    assert {a.action for a in db.session.scalars(select(AuditEntry))} == {"terminal.added"}


def test_refresh_keeps_the_names_and_desks_given_here(admin_client, terminals):
    desk_1 = terminals[DESK_1]
    response = admin_client.post_form(f"/terminals/{desk_1.id}", {
        f"terminal-{desk_1.id}-name": "Front desk card reader", f"terminal-{desk_1.id}-desk": "Desk 1",
        f"terminal-{desk_1.id}-active": "y",
    })
    assert response.status_code == 303
    assert admin_client.post_form("/terminals/refresh", {}).status_code == 303
    db.session.expire_all()
    desk_1 = db.session.get(Terminal, desk_1.id)
    assert (desk_1.name, desk_1.desk) == ("Front desk card reader", "Desk 1")
    assert "0 new, 0 changed" in text_of(admin_client.get("/terminals/"))


@pytest.mark.parametrize("knobs, expected", [
    ({"fail_next": 10}, "Paystack answered with an error"),
    ({"latency_ms": 3000}, "Paystack did not answer in time"),
])
def test_refresh_when_paystack_fails_is_a_message_not_a_500(app, admin_client, sandbox, knobs, expected):
    app.config["PAYSTACK_READ_TIMEOUT"] = 1
    app.config["PAYSTACK_MAX_RETRIES"] = 0
    sandbox.faults(**knobs)
    response = admin_client.post_form("/terminals/refresh", {}, follow_redirects=True)
    assert response.status_code == 200
    page = text_of(response)
    assert "Could not refresh from Paystack" in page and expected in page
    assert db.session.scalars(select(Terminal)).all() == []


def test_refresh_with_a_refused_key(app, admin_client):
    app.config["PAYSTACK_SECRET_KEY"] = "sk_test_not_the_sandbox_key"
    page = text_of(admin_client.post_form("/terminals/refresh", {}, follow_redirects=True))
    assert "The desk's Paystack key was refused" in page


@pytest.mark.parametrize("state, words", [
    ({"online": False}, "Offline"),
    ({"online": True, "available": False}, "Busy"),
    ({"online": True, "available": True}, "Online, ready"),
])
def test_presence_in_words(admin_client, sandbox, terminals, state, words):
    sandbox.control(f"/terminals/{DESK_1}/state", state)
    page = admin_client.get("/terminals/").get_data(as_text=True)
    desk_row = next(row for row in page.split("<tr>") if f"<td>{DESK_1}</td>" in row)
    assert f"<td>{words}</td>" in desk_row


def test_presence_stops_asking_once_paystack_fails(app, admin_client, sandbox, terminals):
    app.config["PAYSTACK_MAX_RETRIES"] = 0
    sandbox.faults(fail_next=1)  # only the first presence call fails; a second one would answer
    response = admin_client.get("/terminals/")
    assert response.status_code == 200
    assert text_of(response).count("Unknown — Paystack did not answer") == 2


def test_name_desk_and_deactivate_are_saved_and_audited(admin_client, admin, terminals):
    pharmacy = terminals[PHARMACY]
    paystack_name = pharmacy.name
    prefix = f"terminal-{pharmacy.id}-"
    response = admin_client.post_form(f"/terminals/{pharmacy.id}", {
        prefix + "name": "  Pharmacy reader ", prefix + "desk": "Pharmacy counter",  # "active" unticked
    })
    assert response.status_code == 303
    db.session.expire_all()
    pharmacy = db.session.get(Terminal, pharmacy.id)
    assert (pharmacy.name, pharmacy.desk, pharmacy.active) == ("Pharmacy reader", "Pharmacy counter", False)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "terminal.updated",
                                                        AuditEntry.actor_id == admin.id)).one()
    assert entry.before == {"name": paystack_name, "desk": None, "active": True}
    assert entry.after == {"name": "Pharmacy reader", "desk": "Pharmacy counter", "active": False}
    page = text_of(admin_client.get("/terminals/"))
    assert "Terminal Pharmacy reader saved." in page and "Not in use" in page

    # Saving the same values again changes nothing and writes no second audit row.
    admin_client.post_form(f"/terminals/{pharmacy.id}", {prefix + "name": "Pharmacy reader",
                                                          prefix + "desk": "Pharmacy counter"})
    assert db.session.query(AuditEntry).filter_by(action="terminal.updated").count() == 1


@pytest.mark.parametrize("name, desk, error", [
    ("", "Desk 1", "Give the terminal a name."),
    ("   ", "", "Give the terminal a name."),
    ("x" * 81, "", "Use at most 80 characters."),
    ("Reader", "d" * 81, "Use at most 80 characters."),
])
def test_invalid_edits_are_shown_with_422(admin_client, terminals, name, desk, error):
    desk_1 = terminals[DESK_1]
    paystack_name = desk_1.name
    prefix = f"terminal-{desk_1.id}-"
    response = admin_client.post_form(f"/terminals/{desk_1.id}", {prefix + "name": name, prefix + "desk": desk,
                                                                  prefix + "active": "y"})
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Terminal, desk_1.id).name == paystack_name


@pytest.mark.parametrize("terminal_id", ["999", "2147483648"])
def test_unknown_terminal_is_404(admin_client, terminals, terminal_id):
    assert admin_client.post_form(f"/terminals/{terminal_id}", {}).status_code == 404
