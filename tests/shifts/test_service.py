"""Shift arithmetic, the variance rule, one open shift per cashier, and the payment hook."""
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from billing_desk.billing import refunds
from billing_desk.billing.payments import PaymentRefused
from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Shift
from billing_desk.shifts import service
from tests.shifts.conftest import open_for, take


def close(shift, counted_minor, reason=None, **kwargs):
    closed = service.close_shift(shift.id, actor_id=shift.staff_id, counted_minor=counted_minor, reason=reason,
                                 **kwargs)
    db.session.commit()
    return closed


def test_expected_cash_nets_change_and_cash_refunds_and_ignores_other_money(
    cashier, other_cashier, admin, terminal, paystack_sandbox
):
    shift = open_for(cashier, 2_000_000, before_card_payments=True)  # ₦20,000 float
    open_for(other_cashier)
    take(cashier, 750_000, tendered_minor=1_000_000)  # ₦2,500 change went back out of the drawer
    refunded_cash = take(cashier, 300_000)
    take(cashier, 500_000, "transfer")
    card_reference = paystack_sandbox.card_payment(1_200_000)["reference"]
    card = take(cashier, 1_200_000, "card_terminal", terminal=terminal, reference=card_reference)
    take(cashier, 400_000, "online")
    take(other_cashier, 999_900)  # another drawer
    refunds.create_refund(refunded_cash.id, 100_000, channel=refunds.CASH, reason="overcharged",
                          actor_id=cashier.id)
    refunds.create_refund(card.id, 200_000, channel=refunds.CARD, reason="to the card", actor_id=cashier.id)
    refunds.create_refund(refunded_cash.id, 50_000, channel=refunds.CASH, reason="no shift", actor_id=admin.id)
    db.session.commit()

    closed = close(shift, 2_940_000, reason="₦100 note missing")

    assert closed.cash_taken_minor == 1_050_000
    assert closed.cash_refunds_minor == 100_000
    assert closed.expected_cash_minor == 2_000_000 + 1_050_000 - 100_000 == 2_950_000
    assert closed.variance_minor == -10_000
    assert {row["channel"]: (row["count"], row["amount_minor"]) for row in closed.channel_totals} == {
        "cash": (2, 1_050_000), "transfer": (1, 500_000), "card_terminal": (1, 1_200_000), "online": (1, 400_000),
        "deposit": (0, 0),
    }
    assert closed.terminal_checks == [{"terminal": "Front desk (2232WE17)", "desk_minor": 1_200_000,
                                       "paystack_minor": 1_200_000, "result": "Matches Paystack"}]


def test_an_empty_shift_expects_its_float(cashier):
    closed = close(open_for(cashier, 500_000), 500_000)
    assert (closed.expected_cash_minor, closed.variance_minor, closed.terminal_checks) == (500_000, 0, [])
    assert [row["amount_minor"] for row in closed.channel_totals] == [0, 0, 0, 0, 0]


@pytest.mark.parametrize("counted, reason, refused", [
    (1_100_000, None, False),  # over by exactly the ₦1,000 threshold
    (900_000, None, False),  # short by exactly the threshold
    (1_100_001, None, True),
    (899_999, None, True),
    (899_999, "   ", True),  # blank is no reason
    (899_999, "Gave change twice", False),
])
def test_a_reason_is_needed_beyond_the_threshold(cashier, counted, reason, refused):
    shift = open_for(cashier, 1_000_000)
    if refused:
        with pytest.raises(service.ReasonRequired):
            close(shift, counted, reason)
        db.session.rollback()
        assert db.session.get(Shift, shift.id).is_open
    else:
        assert close(shift, counted, reason).variance_reason == (reason.strip() if reason else None)


def test_the_threshold_is_configurable(app, cashier):
    app.config["SHIFT_VARIANCE_REASON_THRESHOLD_MINOR"] = 0
    with pytest.raises(service.ReasonRequired):
        close(open_for(cashier, 1_000_000), 1_000_001)


def test_one_open_shift_per_cashier(cashier, other_cashier):
    first = open_for(cashier)
    with pytest.raises(service.ShiftRefused, match="already have a shift open"):
        open_for(cashier)
    db.session.rollback()
    open_for(other_cashier)  # another cashier is not affected
    close(first, first.opening_float_minor)
    assert open_for(cashier).id != first.id  # after closing, a new one


def test_the_database_refuses_a_second_open_shift(cashier):
    open_for(cashier)
    db.session.add(Shift(staff_id=cashier.id, currency="NGN", opening_float_minor=0))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_same_submission_key_opens_one_shift(cashier):
    first = service.open_shift(cashier.id, 0, currency="NGN", submission_key="k1")
    db.session.commit()
    assert service.open_shift(cashier.id, 0, currency="NGN", submission_key="k1").id == first.id


def test_only_the_owner_closes_and_only_once(cashier, other_cashier):
    shift = open_for(cashier)
    with pytest.raises(service.NotYourShift):
        service.close_shift(shift.id, actor_id=other_cashier.id, counted_minor=0)
    close(shift, shift.opening_float_minor, submission_key="c1")
    assert close(shift, 1, submission_key="c1").counted_cash_minor == shift.opening_float_minor  # double click
    with pytest.raises(service.ShiftRefused, match="already closed"):
        close(shift, 1, submission_key="c2")


@pytest.mark.parametrize("channel", ["cash", "transfer"])
def test_desk_payments_need_an_open_shift_when_required(app, cashier, channel):
    app.config["REQUIRE_OPEN_SHIFT"] = True
    with pytest.raises(PaymentRefused, match="Open a shift before taking payments."):
        take(cashier, 10_000, channel)
    db.session.rollback()
    shift = open_for(cashier)
    assert take(cashier, 10_000, channel).shift_id == shift.id


@pytest.mark.parametrize("channel, with_staff", [("card_terminal", True), ("online", True), ("cash", False)])
def test_payments_without_a_cashier_at_the_desk_need_no_shift(app, cashier, channel, with_staff):
    app.config["REQUIRE_OPEN_SHIFT"] = True
    payment = take(cashier if with_staff else None, 10_000, channel)
    assert payment.id is not None and payment.shift_id is None


def test_no_shift_needed_when_not_required(cashier):
    assert take(cashier, 10_000).shift_id is None


def test_payments_after_the_close_do_not_join_the_closed_shift(app, cashier):
    shift = open_for(cashier)
    close(shift, shift.opening_float_minor)
    assert take(cashier, 10_000).shift_id is None
    app.config["REQUIRE_OPEN_SHIFT"] = True
    with pytest.raises(PaymentRefused):
        take(cashier, 10_000)


def test_open_close_and_sign_off_are_audited_and_sign_off_happens_once(cashier, admin):
    shift = open_for(cashier)
    close(shift, shift.opening_float_minor + 5_000)
    service.sign_off(shift.id, actor_id=admin.id, note="Checked")
    db.session.commit()
    with pytest.raises(service.ShiftRefused, match="already signed off by Ada Admin"):
        service.sign_off(shift.id, actor_id=admin.id)
    rows = db.session.execute(
        select(AuditEntry.action, AuditEntry.actor_id).where(AuditEntry.entity_type == "shifts").order_by(AuditEntry.id)
    ).all()
    assert rows == [("shift.opened", cashier.id), ("shift.closed", cashier.id), ("shift.signed_off", admin.id)]


def test_an_administrator_closes_a_cashiers_shift_and_is_named(cashier, other_cashier, admin):
    shift = open_for(cashier, 2_000_000)
    with pytest.raises(service.NotYourShift):
        service.close_shift(shift.id, actor_id=other_cashier.id, counted_minor=2_000_000)
    db.session.rollback()
    service.close_shift(shift.id, actor_id=admin.id, counted_minor=1_999_000)
    db.session.commit()
    assert (shift.closed_by_id, shift.variance_minor) == (admin.id, -1_000)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "shift.closed")).one()
    assert entry.actor_id == admin.id and entry.after["closed_by_id"] == admin.id


def test_an_open_shift_cannot_be_signed_off(cashier, admin):
    shift = open_for(cashier)
    with pytest.raises(service.ShiftRefused, match="still open"):
        service.sign_off(shift.id, actor_id=admin.id)


@pytest.mark.parametrize("counts, minor", [
    ({1000: 2, 500: 1, 5: 3}, 251_500),  # ₦2,515
    ({}, 0),
    ({200: 0, 50: 7}, 35_000),
])
def test_notes_are_added_up_on_the_server(counts, minor):
    assert service.counted_from_notes("NGN", counts) == minor


def test_unknown_notes_are_refused():
    with pytest.raises(service.ShiftRefused):
        service.counted_from_notes("NGN", {300: 1})
