"""The Z report's card cross-check with Paystack, terminal by terminal, by reference."""
import pytest

from billing_desk.extensions import db
from billing_desk.shifts import service
from tests.shifts.conftest import open_for, take


def close(shift):
    closed = service.close_shift(shift.id, actor_id=shift.staff_id, counted_minor=shift.opening_float_minor)
    db.session.commit()
    return closed


def test_differences_are_named_by_reference(cashier, other_cashier, terminal, paystack):
    shift = open_for(cashier)
    take(cashier, 100_000, "card_terminal", terminal=terminal, reference="T_OURS_ONLY")
    take(cashier, 200_000, "card_terminal", terminal=terminal, reference="T_BOTH")
    take(other_cashier, 300_000, "card_terminal", terminal=terminal, reference="T_OTHER_CASHIER")
    paystack.transactions = {terminal.terminal_id: {"T_BOTH": 200_000, "T_OTHER_CASHIER": 300_000,
                                                    "T_NOT_BOOKED": 400_000}}

    [row] = close(shift).terminal_checks

    assert row["desk_minor"] == 300_000
    assert row["paystack_minor"] == 200_000 + 400_000  # this shift's matches + what nobody booked
    assert row["result"] == ("Differs — not listed by Paystack: T_OURS_ONLY; "
                             "at Paystack but not recorded at the desk: T_NOT_BOOKED")


@pytest.fixture
def cashier_at_terminal(cashier, terminal):
    cashier.default_terminal_id = terminal.id
    db.session.commit()
    return cashier


def test_the_cashiers_own_terminal_is_checked_even_without_card_payments(cashier_at_terminal, terminal, paystack):
    cashier = cashier_at_terminal
    paystack.transactions = {terminal.terminal_id: {"T_LOST_WEBHOOK": 50_000}}
    [row] = close(open_for(cashier)).terminal_checks
    assert (row["desk_minor"], row["paystack_minor"]) == (0, 50_000)
    assert "T_LOST_WEBHOOK" in row["result"]


def test_paystack_down_does_not_stop_the_close(cashier, terminal, paystack):
    paystack.down = True
    shift = open_for(cashier)
    take(cashier, 100_000, "card_terminal", terminal=terminal, reference="T_1")
    closed = close(shift)
    assert not closed.is_open
    assert closed.terminal_checks == [{"terminal": "Front desk (2232WE17)", "desk_minor": 100_000,
                                       "paystack_minor": None, "result": "Could not check with Paystack"}]


def test_card_payments_without_a_terminal_are_listed_unchecked(cashier, paystack):
    shift = open_for(cashier)
    take(cashier, 100_000, "card_terminal", reference="T_1")
    [row] = close(shift).terminal_checks
    assert (row["terminal"], row["result"]) == ("No terminal recorded", "Could not check with Paystack")
    assert paystack.calls == []
