"""Staff management: add, edit, deactivate/reactivate, reset password, unlock — all audited, admins only."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import AuditEntry, SignInPause, Staff
from billing_desk.timeutil import utcnow
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_staff, submit_form

NEW_PASSWORD = "a fresh password 42"
SUBMISSION_KEY = "0f8fad5b-d9cb-469f-a165-70867728950e"


def _new_staff_data(**changes):
    data = {"full_name": "Nkem Nurse", "email": "nkem@example.org", "role": "cashier", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD, "submission_key": SUBMISSION_KEY}
    data.update(changes)
    return data


def _audit(action):
    db.session.rollback()  # only what the view committed
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def _reload(staff):
    """The account as committed: the views share the test's session, so roll back anything left uncommitted."""
    db.session.rollback()
    return db.session.get(Staff, staff.id)


def _staff_count():
    db.session.rollback()
    return db.session.scalar(select(func.count(Staff.id)))


@pytest.mark.parametrize("method, url", [
    ("get", "/admin/staff"),
    ("get", "/admin/staff/new"),
    ("post", "/admin/staff/new"),
    ("get", "/admin/staff/{id}/edit"),
    ("post", "/admin/staff/{id}/edit"),
    ("get", "/admin/staff/{id}/password"),
    ("post", "/admin/staff/{id}/password"),
    ("post", "/admin/staff/{id}/deactivate"),
    ("post", "/admin/staff/{id}/reactivate"),
    ("post", "/admin/staff/{id}/unlock"),
])
def test_cashiers_get_403(cashier_client, cashier, method, url):
    url = url.format(id=cashier.id)
    response = cashier_client.get(url) if method == "get" else cashier_client.post_form(url, {})
    assert response.status_code == 403


def test_list_shows_roles_and_states_in_words(admin_client):
    make_staff(full_name="Dayo Deactivated", active=False)
    locked = make_staff(full_name="Lola Locked")
    db.session.add(SignInPause(staff_id=locked.id, address="10.0.0.1", paused_until=utcnow() + timedelta(minutes=10)))
    db.session.commit()
    page = admin_client.get("/admin/staff").get_data(as_text=True)
    assert "Administrator" in page and "Cashier" in page
    assert "Deactivated" in page and "Active" in page
    assert "Locked</strong> until" in page
    assert "Unlock<span" in page and "Reactivate<span" in page


def test_add_staff_creates_an_audited_account_that_can_sign_in(app, admin_client, admin):
    response = submit_form(admin_client, "/admin/staff/new", _new_staff_data(email=" Nkem@Example.org "))
    assert response.status_code == 303
    member = db.session.scalars(select(Staff).where(Staff.email == "nkem@example.org")).one()
    assert (member.full_name, member.role, member.active) == ("Nkem Nurse", "cashier", True)
    [entry] = _audit("staff.created")
    assert entry.actor_id == admin.id and entry.entity_id == member.id
    assert entry.after["email"] == "nkem@example.org" and entry.after["role"] == "cashier"
    assert not {"password", "password_hash", "confirm"} & set(entry.after)
    sign_in(app.test_client(), member, password=NEW_PASSWORD)


def test_a_double_submitted_add_form_makes_one_account(admin_client):
    data = _new_staff_data()
    first = submit_form(admin_client, "/admin/staff/new", data)
    second = submit_form(admin_client, "/admin/staff/new", data)
    assert (first.status_code, second.status_code) == (303, 303)
    assert _staff_count() == 2  # the admin and the new cashier
    assert len(_audit("staff.created")) == 1


@pytest.mark.parametrize("changes, field_message", [
    ({"full_name": "  "}, "Enter the person&#39;s name."),
    ({"full_name": "n" * 121}, "Use at most 120 characters."),
    ({"email": ""}, "Enter the email address they sign in with."),
    ({"email": "not-an-email"}, "Enter an email address like name@hospital.org."),
    ({"email": "ADMIN@example.org"}, "admin@example.org already has an account."),
    ({"role": "superuser"}, "Pick a role from the list."),
    ({"password": "short", "confirm": "short"}, "Use 10 to 200 characters."),
    ({"password": "p" * 201, "confirm": "p" * 201}, "Use 10 to 200 characters."),
    ({"confirm": "something else entirely"}, "The two passwords are not the same."),
    ({"submission_key": "k" * 65}, "The form was out of date."),  # longer than any key the form renders
    ({"submission_key": "not a key!"}, "The form was out of date."),
])
def test_add_staff_validation(admin_client, changes, field_message):
    response = submit_form(admin_client, "/admin/staff/new", _new_staff_data(**changes))
    assert response.status_code == 422
    assert field_message in response.get_data(as_text=True)
    assert _staff_count() == 1


def test_edit_name_and_role_is_audited_with_before_and_after(admin_client, cashier):
    response = submit_form(admin_client, f"/admin/staff/{cashier.id}/edit",
                           {"full_name": "Cathy Chief", "role": "admin"})
    assert response.status_code == 303
    member = _reload(cashier)
    assert (member.full_name, member.role) == ("Cathy Chief", "admin")
    [entry] = _audit("staff.updated")
    assert entry.before["full_name"] == "Cathy Cashier" and entry.after["full_name"] == "Cathy Chief"
    assert (entry.before["role"], entry.after["role"]) == ("cashier", "admin")


def test_saving_an_unchanged_form_writes_nothing(admin_client, cashier):
    submit_form(admin_client, f"/admin/staff/{cashier.id}/edit", {"full_name": "Cathy Cashier", "role": "cashier"})
    assert _audit("staff.updated") == []


@pytest.mark.parametrize("data, message", [
    ({"full_name": "", "role": "cashier"}, "Enter the person&#39;s name."),
    ({"full_name": "Cathy", "role": "owner"}, "Pick a role from the list."),
])
def test_edit_validation(admin_client, cashier, data, message):
    response = submit_form(admin_client, f"/admin/staff/{cashier.id}/edit", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_unknown_staff_is_404(admin_client):
    assert admin_client.get("/admin/staff/999999/edit").status_code == 404
    assert admin_client.post_form("/admin/staff/999999/deactivate").status_code == 404


def test_an_admin_cannot_remove_their_own_admin_role(admin_client, admin):
    make_staff(role="admin")
    response = submit_form(admin_client, f"/admin/staff/{admin.id}/edit", {"full_name": "Ada", "role": "cashier"})
    assert response.status_code == 422
    assert "You cannot remove your own administrator role" in response.get_data(as_text=True)
    assert _reload(admin).role == "admin"


def test_the_last_active_admin_cannot_be_demoted(app, admin):
    from billing_desk.auth import accounts

    other = make_staff(role="admin")
    other.active = False
    db.session.commit()
    with pytest.raises(accounts.AccountRefused, match="last active administrator"):
        accounts.update_staff(admin, full_name="Ada", role="cashier", actor_id=other.id)


def test_deactivate_ends_sessions_and_reactivate_restores_sign_in(app, admin_client, cashier):
    desk = sign_in(app.test_client(), cashier)
    response = admin_client.post_form(f"/admin/staff/{cashier.id}/deactivate")
    assert response.status_code == 303
    assert not _reload(cashier).active
    assert desk.get("/patients/").status_code == 302
    [entry] = _audit("staff.deactivated")
    assert (entry.before["active"], entry.after["active"]) == (True, False)

    assert admin_client.post_form(f"/admin/staff/{cashier.id}/reactivate").status_code == 303
    assert _reload(cashier).active
    assert len(_audit("staff.reactivated")) == 1
    sign_in(app.test_client(), cashier)


def test_an_admin_cannot_deactivate_themselves(admin_client, admin):
    make_staff(role="admin")
    response = admin_client.post_form(f"/admin/staff/{admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account" in response.get_data(as_text=True)
    assert _reload(admin).active
    assert _audit("staff.deactivated") == []


def test_the_last_active_admin_cannot_be_deactivated(app, admin):
    from billing_desk.auth import accounts

    with pytest.raises(accounts.AccountRefused, match="last active administrator"):
        accounts.set_active(admin, False, actor_id=None)


def test_another_admin_can_be_deactivated_while_one_remains(admin_client):
    other = make_staff(role="admin")
    admin_client.post_form(f"/admin/staff/{other.id}/deactivate")
    assert not _reload(other).active


def test_one_button_actions_need_csrf(admin_client, cashier):
    response = admin_client.post(f"/admin/staff/{cashier.id}/deactivate", data={})
    assert response.status_code == 400
    assert _reload(cashier).active


def test_reset_password_ends_sessions_and_is_audited_without_the_hash(app, admin_client, cashier):
    desk = sign_in(app.test_client(), cashier)
    db.session.add(SignInPause(staff_id=cashier.id, address="10.0.0.1", paused_until=utcnow() + timedelta(minutes=5)))
    db.session.commit()
    response = submit_form(admin_client, f"/admin/staff/{cashier.id}/password",
                           {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert desk.get("/patients/").status_code == 302
    member = _reload(cashier)
    assert member.check_password(NEW_PASSWORD) and not member.check_password(DEFAULT_PASSWORD)
    assert db.session.scalars(select(SignInPause)).all() == []
    [entry] = _audit("staff.password_reset")
    assert "sessions were ended" in entry.note
    assert "password_hash" not in entry.before and "password_hash" not in entry.after
    sign_in(app.test_client(), cashier, password=NEW_PASSWORD)


@pytest.mark.parametrize("data, message", [
    ({"password": "too short", "confirm": "too short"}, "Use 10 to 200 characters."),
    ({"password": NEW_PASSWORD, "confirm": "different password"}, "The two passwords are not the same."),
    ({"password": "", "confirm": ""}, "Enter a password."),
])
def test_reset_password_validation(admin_client, cashier, data, message):
    response = submit_form(admin_client, f"/admin/staff/{cashier.id}/password", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _reload(cashier).check_password(DEFAULT_PASSWORD)


def test_unlock_lifts_the_lock(app, admin_client, cashier):
    db.session.add(SignInPause(staff_id=cashier.id, address="127.0.0.1", failures=2,
                               paused_until=utcnow() + timedelta(minutes=10)))
    db.session.commit()
    assert admin_client.post_form(f"/admin/staff/{cashier.id}/unlock").status_code == 303
    assert db.session.scalars(select(SignInPause)).all() == []
    [entry] = _audit("staff.unlocked")
    assert entry.before["locked_until"] is not None and entry.after["locked_until"] is None
    sign_in(app.test_client(), cashier)


def test_unlocking_an_unlocked_account_writes_nothing(admin_client, cashier):
    response = admin_client.post_form(f"/admin/staff/{cashier.id}/unlock", follow_redirects=True)
    assert "was not locked" in response.get_data(as_text=True)
    assert _audit("staff.unlocked") == []


def test_resetting_your_own_password_signs_you_out(admin_client, admin):
    response = submit_form(admin_client, f"/admin/staff/{admin.id}/password",
                           {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert admin_client.get("/admin/").status_code == 302
