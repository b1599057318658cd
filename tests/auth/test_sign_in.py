"""Signing in: account lock, per-address limit, safe `next`, deactivated accounts, ended sessions."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from billing_desk.auth import accounts
from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Staff
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


def test_wrong_password_is_refused_and_counted(client, cashier):
    response = _login(client, cashier.email, "not the password")
    assert response.status_code == 422
    assert "Email or password is not right." in response.get_data(as_text=True)
    assert _reload(cashier).failed_login_count == 1


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client, cashier):
    response = _login(client, "nobody@example.org", "whatever it is")
    assert response.status_code == 422
    assert "Email or password is not right." in response.get_data(as_text=True)


def test_email_is_matched_whatever_its_case(client, cashier):
    response = _login(client, "  CASHIER@Example.ORG ", DEFAULT_PASSWORD)
    assert response.status_code == 302


def test_repeated_failures_lock_the_account_and_are_audited(client, cashier):
    for _ in range(3):
        assert _login(client, cashier.email, "not the password").status_code == 422
    locked = _reload(cashier)
    assert locked.is_locked()
    assert locked.locked_until > utcnow() + timedelta(minutes=14)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.locked")).one()
    assert entry.entity_id == cashier.id and entry.actor_id is None
    assert "3 failed sign-ins" in entry.note

    refused = _login(client, cashier.email, DEFAULT_PASSWORD)  # even the right password, while locked
    assert refused.status_code == 422
    assert "locked" in refused.get_data(as_text=True)


def test_lock_runs_out(client, cashier):
    cashier.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _login(client, cashier.email, DEFAULT_PASSWORD).status_code == 302


def test_success_clears_the_failure_count(client, cashier):
    _login(client, cashier.email, "not the password")
    assert _login(client, cashier.email, DEFAULT_PASSWORD).status_code == 302
    assert _reload(cashier).failed_login_count == 0


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
