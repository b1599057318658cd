from types import SimpleNamespace

import pytest

from billing_desk.billing.states import (
    LABELS,
    PAYABLE,
    InvalidTransition,
    InvoiceStatus,
    can_move,
    move,
    settle,
    status_for_amounts,
)

S = InvoiceStatus
# The edges the business allows, written out by hand so a change to TRANSITIONS has to change this too.
ALLOWED = {
    (S.DRAFT, S.ISSUED),
    (S.DRAFT, S.VOID),
    (S.ISSUED, S.PARTIALLY_PAID),
    (S.ISSUED, S.PAID),
    (S.ISSUED, S.VOID),
    (S.PARTIALLY_PAID, S.PAID),
    (S.PARTIALLY_PAID, S.PARTIALLY_REFUNDED),
    (S.PARTIALLY_PAID, S.REFUNDED),
    (S.PAID, S.PARTIALLY_REFUNDED),
    (S.PAID, S.REFUNDED),
    (S.PARTIALLY_REFUNDED, S.REFUNDED),
}
ALL_PAIRS = [(current, target) for current in S for target in S]


def invoice(status, total=10000, paid=0, refunded=0):
    return SimpleNamespace(status=status.value, total_minor=total, amount_paid_minor=paid, amount_refunded_minor=refunded)


@pytest.mark.parametrize("current, target", [pair for pair in ALL_PAIRS if pair in ALLOWED])
def test_allowed_transition_moves(current, target):
    subject = invoice(current)
    assert can_move(current, target)
    assert move(subject, target) == current
    assert subject.status == target.value
    assert type(subject.status) is str  # a plain string is stored, not the enum


@pytest.mark.parametrize("current, target", [pair for pair in ALL_PAIRS if pair not in ALLOWED])
def test_forbidden_transition_raises_and_changes_nothing(current, target):
    subject = invoice(current)
    assert not can_move(current, target)
    with pytest.raises(InvalidTransition, match="cannot become"):
        move(subject, target)
    assert subject.status == current.value


def test_terminal_statuses_lead_nowhere():
    for status in (S.VOID, S.REFUNDED):
        assert not any(can_move(status, target) for target in S)


def test_every_status_has_words_and_only_issued_invoices_take_money():
    assert set(LABELS) == set(S)
    assert all(label and "_" not in label for label in LABELS.values())
    assert PAYABLE == {S.ISSUED, S.PARTIALLY_PAID}


def test_unknown_status_is_refused():
    with pytest.raises(ValueError):
        move(SimpleNamespace(status="archived"), S.PAID)


@pytest.mark.parametrize(
    "start, paid, refunded, expected",
    [
        (S.ISSUED, 0, 0, S.ISSUED),
        (S.ISSUED, 1, 0, S.PARTIALLY_PAID),
        (S.ISSUED, 9999, 0, S.PARTIALLY_PAID),
        (S.ISSUED, 10000, 0, S.PAID),
        (S.PARTIALLY_PAID, 4000, 0, S.PARTIALLY_PAID),
        (S.PARTIALLY_PAID, 10000, 0, S.PAID),
        (S.PARTIALLY_PAID, 0, 4000, S.REFUNDED),
        (S.PARTIALLY_PAID, 1000, 3000, S.PARTIALLY_REFUNDED),
        (S.PAID, 10000, 0, S.PAID),
        (S.PAID, 6000, 4000, S.PARTIALLY_REFUNDED),
        (S.PAID, 0, 10000, S.REFUNDED),
        (S.PARTIALLY_REFUNDED, 0, 10000, S.REFUNDED),
    ],
)
def test_settle_follows_the_amounts(start, paid, refunded, expected):
    subject = invoice(start, paid=paid, refunded=refunded)
    assert status_for_amounts(subject) == expected
    settle(subject)
    assert subject.status == expected.value


@pytest.mark.parametrize(
    "start, paid, refunded",
    [
        (S.DRAFT, 5000, 0),  # money on a draft
        (S.VOID, 5000, 0),  # money on a void invoice
        (S.PAID, 5000, 0),  # paid cannot go back to partially paid without a refund
        (S.REFUNDED, 10000, 0),
        (S.PARTIALLY_REFUNDED, 10000, 0),
    ],
)
def test_settle_refuses_amounts_the_status_cannot_reach(start, paid, refunded):
    subject = invoice(start, paid=paid, refunded=refunded)
    with pytest.raises(InvalidTransition):
        settle(subject)
    assert subject.status == start.value
