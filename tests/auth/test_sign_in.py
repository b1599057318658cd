"""Signing in: pauses per account and address, per-address limit, safe `next`, deactivated accounts, ended sessions."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from billing_desk.auth import accounts
from billing_desk.extensions import db
from billing_desk.auth.service import WRONG_CREDENTIALS
from billing_desk.models import AuditEntry, SignInPause, Staff
from billing_desk.timeutil import utcnow
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_staff


@pytest.fixture
def app_config(app_config):
    """A small lock threshold, and a per-address limit that the lock tests never reach."""
    return {**app_config, "ACCOUNT_LOCK_THRESHOLD": 3, "ACCOUNT_LOCK_MINUTES": 15, "LOGIN_LIMIT": "100 per minute"}


def _login(client, email, password, next_url=None):
    url = "/login" if next_url is None else f"/login?next={next_url}"
    return client.post_form(url, {"email": email, "password": password})


def _reload(staff):
    """The account as committed: the views share the test's session, so roll back anything left uncommitted."""
    db.session.rollback()
    return db.session.get(Staff, staff.id)


def _pauses(staff):
    db.session.rollback()
    return db.session.scalars(select(SignInPause).where(SignInPause.staff_id == staff.id)).all()


def _client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _refusal(response):
    """The words of a refused sign-in, as shown next to the password field."""
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    return page[page.index(WRONG_CREDENTIALS):page.index("</", page.index(WRONG_CREDENTIALS))]


def test_wrong_password_is_refused_and_counted_for_that_address(client, cashier):
    response = _login(client, cashier.email, "not the password")
    assert response.status_code == 422
    assert "Email or password is not right." in response.get_data(as_text=True)
    [pause] = _pauses(cashier)
    assert pause.failures == 1 and pause.address == "127.0.0.1" and pause.paused_until is None


def test_email_is_matched_whatever_its_case(client, cashier):
    response = _login(client, "  CASHIER@Example.ORG ", DEFAULT_PASSWORD)
    assert response.status_code == 302


def test_repeated_failures_pause_that_address_only_and_are_audited(app, cashier):
    attacker, desk = _client_at(app, "10.0.0.66"), _client_at(app, "10.0.0.1")
    for _ in range(3):
        assert _login(attacker, cashier.email, "not the password").status_code == 422
    [pause] = _pauses(cashier)
    assert pause.address == "10.0.0.66" and pause.paused_until > utcnow() + timedelta(minutes=14)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.locked")).one()
    assert entry.entity_id == cashier.id and entry.actor_id is None
    assert "3 failed sign-ins" in entry.note and "10.0.0.66" in entry.note

    assert _login(attacker, cashier.email, DEFAULT_PASSWORD).status_code == 422  # even the right password
    assert _login(desk, cashier.email, DEFAULT_PASSWORD).status_code == 302  # the cashier's own desk still works


def test_wrong_password_unknown_account_and_paused_account_get_the_same_words(app, cashier):
    other = make_staff()
    for _ in range(3):
        _login(_client_at(app, "10.0.0.9"), other.email, "not the password")
    answers = {
        "wrong password": _refusal(_login(_client_at(app, "10.0.0.8"), cashier.email, "not the password")),
        "unknown account": _refusal(_login(_client_at(app, "10.0.0.8"), "nobody@example.org", "whatever it is")),
        "paused account": _refusal(_login(_client_at(app, "10.0.0.9"), other.email, DEFAULT_PASSWORD)),
    }
    assert len(set(answers.values())) == 1, answers
    assert "locked" not in answers["paused account"].lower()


def test_pause_runs_out(client, cashier):
    db.session.add(SignInPause(staff_id=cashier.id, address="127.0.0.1", paused_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert _login(client, cashier.email, DEFAULT_PASSWORD).status_code == 302


def test_success_clears_the_failure_count(client, cashier):
    _login(client, cashier.email, "not the password")
    assert _login(client, cashier.email, DEFAULT_PASSWORD).status_code == 302
    assert _pauses(cashier) == []


def test_an_administrator_lifts_the_pauses_from_every_address(app, admin_client, cashier):
    for address in ("10.0.0.5", "10.0.0.6"):
        for _ in range(3):
            _login(_client_at(app, address), cashier.email, "not the password")
    assert "Locked</strong> until" in admin_client.get("/admin/staff").get_data(as_text=True)
    assert admin_client.post_form(f"/admin/staff/{cashier.id}/unlock").status_code == 303
    assert _pauses(cashier) == []
    assert _login(_client_at(app, "10.0.0.5"), cashier.email, DEFAULT_PASSWORD).status_code == 302


def test_deactivated_account_is_refused(client):
    member = make_staff(active=False)
    response = _login(client, member.email, DEFAULT_PASSWORD)
    assert response.status_code == 422
    assert "deactivated" in response.get_data(as_text=True)
    assert client.get("/patients/").status_code == 302


def test_per_address_limit_answers_429_with_a_clear_page(app, client, cashier):
    app.config["LOGIN_LIMIT"] = "2 per minute"
    for _ in range(2):
        assert _login(client, cashier.email, "not the password").status_code == 422
    response = _login(client, cashier.email, DEFAULT_PASSWORD)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many sign-in attempts from this computer" in page
    assert client.get("/login").status_code == 200  # only POSTs count


def test_successful_sign_ins_do_not_count_toward_the_per_address_limit(app, cashier):
    """A shared desk computer signs several cashiers in and out all day."""
    app.config["LOGIN_LIMIT"] = "2 per minute"
    for _ in range(5):
        desk = _client_at(app, "10.0.0.20")
        assert _login(desk, cashier.email, DEFAULT_PASSWORD).status_code == 302
    assert _login(_client_at(app, "10.0.0.20"), cashier.email, "not the password").status_code == 422


@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "http:evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "javascript:alert(1)",
    "evil.example/patients/",
    "%2F%2Fevil.example",
])
def test_unsafe_next_goes_to_the_start_page(client, cashier, target):
    response = _login(client, cashier.email, DEFAULT_PASSWORD, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/desk"


def test_safe_next_is_followed(client, cashier):
    response = _login(client, cashier.email, DEFAULT_PASSWORD, next_url="/patients/%3Fq%3Dobi")
    assert response.headers["Location"] == "/patients/?q=obi"


def test_password_reset_ends_existing_sessions(app, cashier, admin):
    desk = sign_in(app.test_client(), cashier)
    assert desk.get("/patients/").status_code == 200
    accounts.reset_password(_reload(cashier), "a brand new password", actor_id=admin.id)
    db.session.commit()
    response = desk.get("/patients/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    sign_in(app.test_client(), cashier, password="a brand new password")


def test_deactivation_ends_existing_sessions(app, cashier, admin):
    desk = sign_in(app.test_client(), cashier)
    accounts.set_active(_reload(cashier), False, actor_id=admin.id)
    db.session.commit()
    assert desk.get("/patients/").status_code == 302


@pytest.mark.parametrize("session_id", [
    pytest.param(lambda s: "", id="empty"),
    pytest.param(lambda s: str(s.id), id="id only (the old format)"),
    pytest.param(lambda s: f"{s.id}:x", id="version not a number"),
    pytest.param(lambda s: f"{s.id}:{s.session_version + 1}", id="other version"),
    pytest.param(lambda s: f"{s.id}:{s.session_version}:1", id="extra part"),
    pytest.param(lambda s: f"{s.id + 1000}:{s.session_version}", id="no such staff"),
    pytest.param(lambda s: f" {s.id}:{s.session_version}", id="space"),
])
def test_a_session_only_loads_with_the_current_id_and_version(app, cashier, session_id):
    from billing_desk.auth.service import staff_for_session

    assert staff_for_session(cashier.get_id()) == cashier
    assert staff_for_session(session_id(cashier)) is None


def test_signing_out_ends_the_session(cashier_client):
    response = cashier_client.post_form("/logout")
    assert response.status_code == 302
    assert cashier_client.get("/patients/").status_code == 302
