"""`flask users create`: how the first administrator is made."""
import pytest
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Staff
from billing_desk.models.staff import MIN_PASSWORD_LENGTH
from tests.conftest import sign_in
from tests.factories import make_staff

GOOD_PASSWORD = "x" * MIN_PASSWORD_LENGTH


def _create(app, *args):
    result = app.test_cli_runner().invoke(args=["users", "create", *args])
    db.session.rollback()  # the command shares the test's session: look only at what it committed
    return result


def test_creates_the_first_admin_who_can_sign_in(app):
    result = _create(app, "--email", " Boss@Example.ORG ", "--role", "admin", "--name", "Bola Boss",
                     "--password", GOOD_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.org." in result.output
    boss = db.session.scalars(select(Staff)).one()
    assert (boss.email, boss.full_name, boss.role, boss.active) == ("boss@example.org", "Bola Boss", "admin", True)
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.action == "staff.created" and entry.note == "created from the command line"
    assert "password_hash" not in entry.after
    sign_in(app.test_client(), boss, password=GOOD_PASSWORD)


def test_prompts_for_the_password_twice(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "--email", "a@example.org"],
                                          input=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n")
    db.session.rollback()
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(Staff)).one().role == "cashier"


@pytest.mark.parametrize("args, complaint", [
    (["--email", "a@example.org", "--password", "x" * (MIN_PASSWORD_LENGTH - 1)],
     f"at least {MIN_PASSWORD_LENGTH} characters"),
    (["--email", "not-an-email", "--password", GOOD_PASSWORD], "is not an email address"),
    (["--email", "a@example.org", "--name", "   ", "--password", GOOD_PASSWORD], "1 to 120 characters"),
    (["--email", "TAKEN@example.org", "--password", GOOD_PASSWORD], "already has an account"),
    (["--email", "a@example.org", "--role", "boss", "--password", GOOD_PASSWORD], "Invalid value for '--role'"),
])
def test_refuses_bad_input_without_creating_anyone(app, args, complaint):
    make_staff(email="taken@example.org")
    result = _create(app, *args)
    assert result.exit_code != 0
    assert complaint in result.output
    assert db.session.scalar(select(func.count(Staff.id))) == 1
