"""The README's first command seeds demo data: it must work on an empty database with the production rules on."""
import pytest
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import Invoice, Payment, Shift, Staff
from billing_desk.seed import DEMO_PASSWORD, DEMO_STAFF, AlreadySeeded, seed_demo
from tests.conftest import sign_in


@pytest.fixture
def app_config(app_config):
    return {**app_config, "REQUIRE_OPEN_SHIFT": True}


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_seed_fills_an_empty_database_and_refuses_a_second_time(app):
    result = seed_demo(with_sandbox_terminals=True)

    assert (result.staff, result.services, result.patients, result.invoices) == (3, 30, 50, 20)
    assert count(Staff) == 3 and count(Invoice) == 20
    assert count(Invoice, Invoice.status == "draft") == 4
    desk_payments = db.session.scalars(select(Payment)).all()
    assert desk_payments and all(payment.shift_id is not None for payment in desk_payments)
    assert count(Shift, Shift.closed_at.is_(None)) == 2
    with pytest.raises(AlreadySeeded):
        seed_demo()


@pytest.mark.parametrize("email", [email for email, _name, _role in DEMO_STAFF])
def test_every_demo_login_signs_in(app, email):
    seed_demo()
    staff = db.session.scalars(select(Staff).where(Staff.email == email)).one()
    sign_in(app.test_client(), staff, password=DEMO_PASSWORD)
