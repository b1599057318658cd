"""The Z report's card cross-check with Paystack, terminal by terminal, by reference — against the sandbox's
real card payments (pushed to its virtual terminals and approved there)."""
from billing_desk.extensions import db
from billing_desk.shifts import service
from tests.devtools.sandbox.running import DESK_2
from tests.shifts.conftest import open_for, take


def close(shift):
    closed = service.close_shift(shift.id, actor_id=shift.staff_id, counted_minor=shift.opening_float_minor)
    db.session.commit()
    return closed


def test_differences_are_named_by_reference(cashier, other_cashier, terminal, paystack_sandbox):
    shift = open_for(cashier, before_card_payments=True)
    both = paystack_sandbox.card_payment(200_000)["reference"]
    other_cashiers = paystack_sandbox.card_payment(300_000)["reference"]
    not_booked = paystack_sandbox.card_payment(400_000)["reference"]
    paystack_sandbox.card_payment(800_000, terminal=DESK_2)  # another terminal: not part of this check
    take(cashier, 100_000, "card_terminal", terminal=terminal, reference="T_OURS_ONLY")
    take(cashier, 200_000, "card_terminal", terminal=terminal, reference=both)
    take(other_cashier, 300_000, "card_terminal", terminal=terminal, reference=other_cashiers)

    [row] = close(shift).terminal_checks

    assert row["desk_minor"] == 300_000
    assert row["paystack_minor"] == 200_000 + 400_000  # this shift's matches + what nobody booked
    assert row["result"] == ("Differs — not listed by Paystack: T_OURS_ONLY; "
                             f"at Paystack but not recorded at the desk: {not_booked}")


def test_only_the_shifts_hours_are_checked(cashier, terminal, paystack_sandbox):
    cashier.default_terminal_id = terminal.id
    db.session.commit()
    paystack_sandbox.card_payment(50_000)  # taken (by someone) before this shift opened
    shift = open_for(cashier)

    [row] = close(shift).terminal_checks

    assert (row["desk_minor"], row["paystack_minor"], row["result"]) == (0, 0, "Matches Paystack")


def test_the_cashiers_own_terminal_is_checked_even_without_card_payments(cashier, terminal, paystack_sandbox):
    cashier.default_terminal_id = terminal.id
    db.session.commit()
    shift = open_for(cashier, before_card_payments=True)
    lost_webhook = paystack_sandbox.card_payment(50_000)["reference"]

    [row] = close(shift).terminal_checks

    assert (row["desk_minor"], row["paystack_minor"]) == (0, 50_000)
    assert row["result"] == f"Differs — at Paystack but not recorded at the desk: {lost_webhook}"


def test_paystack_down_does_not_stop_the_close(cashier, terminal, paystack_sandbox):
    paystack_sandbox.down()
    shift = open_for(cashier)
    take(cashier, 100_000, "card_terminal", terminal=terminal, reference="T_1")

    closed = close(shift)

    assert not closed.is_open
    assert closed.terminal_checks == [{"terminal": "Front desk (2232WE17)", "desk_minor": 100_000,
                                       "paystack_minor": None, "result": (
        "Could not check with Paystack: Paystack answered with an error and did not complete this. Please try "
        "again in a minute; tell an administrator if it keeps happening.")}]
    assert set(paystack_sandbox.calls()) == {"GET /transaction"}  # it did ask (and was refused)


def test_card_payments_without_a_terminal_are_listed_unchecked(cashier, paystack_sandbox):
    shift = open_for(cashier)
    take(cashier, 100_000, "card_terminal", reference="T_1")
    [row] = close(shift).terminal_checks
    assert (row["terminal"], row["result"]) == ("No terminal recorded", "Could not check with Paystack")
    assert paystack_sandbox.calls() == []
