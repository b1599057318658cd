"""Account arithmetic: the balance is its definition over the entries, and never goes below zero."""
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from billing_desk.accounts import ledger
from billing_desk.extensions import db
from billing_desk.models import AccountEntry, AuditEntry
from tests.factories import make_patient

OPERATIONS = st.lists(
    st.tuples(st.sampled_from(sorted(ledger.MONEY_IN | ledger.MONEY_OUT)),
              st.integers(min_value=1, max_value=5_000_000), st.sampled_from(["NGN", "USD"])),
    max_size=12,
)


def _entries(patient_id):
    return [(e.kind, e.amount_minor, e.currency) for e in db.session.scalars(
        select(AccountEntry).where(AccountEntry.patient_id == patient_id))]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_any_sequence_keeps_the_balance_equal_to_its_definition_and_never_negative(app, operations):
    patient = make_patient()
    expected = {"NGN": 0, "USD": 0}
    for kind, amount, currency in operations:
        if kind in ledger.MONEY_IN:
            ledger.put(patient.id, kind, amount, currency, actor_id=None)
            expected[currency] += amount
        elif amount > expected[currency]:
            with pytest.raises(ledger.AccountRefused, match="is left on the account"):
                ledger.take(patient.id, kind, amount, currency, actor_id=None)
        else:
            ledger.take(patient.id, kind, amount, currency, actor_id=None)
            expected[currency] -= amount
        for each in expected:
            by_definition = ledger.summarise(_entries(patient.id), each)
            assert ledger.balance_minor(patient.id, each) == by_definition.balance == expected[each] >= 0
    found = ledger.summaries(patient.id)
    assert {c: s.balance for c, s in found.items()} == {c: expected[c] for c in found}
    db.session.rollback()


def test_summary_splits_the_balance_into_its_parts(app):
    patient = make_patient()
    ledger.put(patient.id, ledger.DEPOSIT, 5_000_000, "NGN", actor_id=None, channel="cash")
    ledger.put(patient.id, ledger.CREDIT, 100_000, "NGN", actor_id=None)
    ledger.take(patient.id, ledger.APPLIED, 1_200_000, "NGN", actor_id=None)
    ledger.take(patient.id, ledger.REFUND, 900_000, "NGN", actor_id=None)

    summary = ledger.summaries(patient.id)["NGN"]

    assert (summary.deposits, summary.credit, summary.applied, summary.refunded, summary.balance) == (
        5_000_000, 100_000, 1_200_000, 900_000, 3_000_000)
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["account.deposit", "account.credit", "account.applied", "account.refund"]


@pytest.mark.parametrize("amount, currency, message", [
    (0, "NGN", "more than zero"), (-5, "NGN", "more than zero"), (10**20, "NGN", "too large"),
    (100, "XXX", "Currency must be one of"),
])
def test_bad_amounts_are_refused_in_words(app, amount, currency, message):
    patient = make_patient()
    with pytest.raises(ledger.AccountRefused, match=message):
        ledger.put(patient.id, ledger.DEPOSIT, amount, currency, actor_id=None)
    assert _entries(patient.id) == []


def test_an_unknown_patient_is_refused(app):
    with pytest.raises(ledger.AccountRefused, match="no such patient"):
        ledger.put(424242, ledger.DEPOSIT, 100, "NGN", actor_id=None)


def test_money_in_one_currency_cannot_be_spent_in_another(app):
    patient = make_patient()
    ledger.put(patient.id, ledger.DEPOSIT, 5_000, "USD", actor_id=None)
    with pytest.raises(ledger.AccountRefused, match="₦0.00 is left"):
        ledger.take(patient.id, ledger.APPLIED, 100, "NGN", actor_id=None)


def test_two_cashiers_spending_one_deposit_at_once_cannot_overdraw_it(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are a PostgreSQL feature; SQLite runs one writer at a time anyway")
    patient = make_patient()
    ledger.put(patient.id, ledger.DEPOSIT, 5_000_000, "NGN", actor_id=None)
    db.session.commit()
    patient_id = patient.id  # read here: the threads must not touch this session's expired objects
    barrier, outcomes = threading.Barrier(2), []

    def spend():
        with app.app_context():
            barrier.wait()
            try:
                ledger.take(patient_id, ledger.APPLIED, 3_000_000, "NGN", actor_id=None)
                db.session.commit()
                outcomes.append("spent")
            except ledger.AccountRefused:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=spend) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused", "spent"]
    assert ledger.balance_minor(patient_id, "NGN") == 2_000_000
