"""The README's first command seeds demo data: it must work on an empty database with the production rules on."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import Invoice, Patient, Payment, PaymentReview, Refund, Shift, Staff
from billing_desk.timeutil import utcnow
from billing_desk.seed import DEMO_PASSWORD, DEMO_STAFF, AlreadySeeded, seed_demo
from tests.conftest import sign_in


@pytest.fixture
def app_config(app_config):
    return {**app_config, "REQUIRE_OPEN_SHIFT": True}


CARD_AND_DESK_CHANNELS = ("cash", "transfer", "card_terminal", "online")


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_seed_fills_an_empty_database_and_refuses_a_second_time(app):
    result = seed_demo(with_sandbox_terminals=True)

    assert (result.staff, result.services, result.patients) == (3, 30, 50)
    assert count(Staff) == 3 and count(Invoice) == result.invoices > 100
    assert count(Invoice, Invoice.status == "draft") == 4
    desk_payments = db.session.scalars(select(Payment).where(Payment.channel.in_(("cash", "transfer")))).all()
    assert desk_payments and all(payment.shift_id is not None for payment in desk_payments)
    assert count(Shift, Shift.closed_at.is_(None)) == 2
    with pytest.raises(AlreadySeeded):
        seed_demo()


def test_demo_data_spreads_over_90_days_with_every_channel_refunds_reviews_and_closed_shifts(app):
    seed_demo()
    now = utcnow()
    oldest = db.session.scalar(select(func.min(Payment.paid_at)))
    assert timedelta(days=85) < now - oldest < timedelta(days=92)
    assert set(db.session.scalars(select(Payment.channel).distinct())) >= set(CARD_AND_DESK_CHANNELS)
    days = {paid_at.date() for paid_at in db.session.scalars(select(Payment.paid_at))}
    assert len(days) > 60
    assert count(Refund, Refund.status == "processed") == 2
    assert count(PaymentReview, PaymentReview.status == "open") == 2
    assert count(Shift, Shift.closed_at.is_not(None)) > 70 and count(Shift, Shift.signed_off_at.is_not(None)) > 60
    assert count(Shift, Shift.variance_minor != 0) > 0
    mrns = db.session.scalars(select(Patient.mrn)).all()
    assert all(re.fullmatch(r"H\d{7}", mrn) for mrn in mrns)
    assert db.session.scalar(select(func.count(Payment.id)).where(Payment.card_last4 == "4081")) > 0
    with pytest.raises(AlreadySeeded):
        seed_demo()


@pytest.mark.parametrize("email", [email for email, _name, _role in DEMO_STAFF])
def test_every_demo_login_signs_in(app, email):
    seed_demo()
    staff = db.session.scalars(select(Staff).where(Staff.email == email)).one()
    sign_in(app.test_client(), staff, password=DEMO_PASSWORD)
