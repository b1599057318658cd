"""Account arithmetic: entries in, the balance out — never stored, always derived.

balance = Σ deposits + Σ credit − Σ applied − Σ refunded, per patient and currency. Money only leaves an
account through `take`, which first locks the patient's row: two cashiers spending the same deposit at the
same moment are served one after the other, and the second one sees what the first left. The balance can
therefore never go below zero. These functions flush, never commit; the actor is passed in.
"""
from dataclasses import dataclass

from sqlalchemy import case, func, select

from billing_desk import audit
from billing_desk.billing.money import MAX_AMOUNT_MINOR, InvalidAmount, check_currency, format_money
from billing_desk.extensions import db
from billing_desk.models import AccountEntry, Patient

DEPOSIT, CREDIT, APPLIED, REFUND = "deposit", "credit", "applied", "refund"
MONEY_IN = frozenset({DEPOSIT, CREDIT})
MONEY_OUT = frozenset({APPLIED, REFUND})
KIND_LABELS = {DEPOSIT: "Deposit", CREDIT: "Credit", APPLIED: "Applied to an invoice", REFUND: "Refunded"}
ENTRY_AUDIT_FIELDS = ("kind", "amount_minor", "currency", "channel", "reference", "payment_id")


class AccountRefused(ValueError):
    """The account cannot take or give this money; the message is fit to show a cashier."""


@dataclass(frozen=True)
class Summary:
    """What an account holds in one currency."""

    currency: str
    deposits: int = 0
    credit: int = 0
    applied: int = 0
    refunded: int = 0

    @property
    def balance(self):
        return self.deposits + self.credit - self.applied - self.refunded


_FIELD_OF = {DEPOSIT: "deposits", CREDIT: "credit", APPLIED: "applied", REFUND: "refunded"}


def summarise(entries, currency):
    """The definition, in plain Python over (kind, amount, currency) triples: what the SQL must agree with."""
    totals = dict.fromkeys(_FIELD_OF.values(), 0)
    for kind, amount, entry_currency in entries:
        if entry_currency == currency:
            totals[_FIELD_OF[kind]] += amount
    return Summary(currency, **totals)


def _signed_amount():
    return case((AccountEntry.kind.in_(MONEY_IN), AccountEntry.amount_minor), else_=-AccountEntry.amount_minor)


def balance_minor(patient_id, currency):
    """The account's balance in `currency`, summed by the database."""
    return int(db.session.execute(
        select(func.coalesce(func.sum(_signed_amount()), 0))
        .where(AccountEntry.patient_id == patient_id, AccountEntry.currency == currency)
    ).scalar_one())


def summaries(patient_id):
    """{currency: Summary} for every currency the patient has account entries in (one grouped query)."""
    rows = db.session.execute(
        select(AccountEntry.currency, AccountEntry.kind, func.sum(AccountEntry.amount_minor))
        .where(AccountEntry.patient_id == patient_id)
        .group_by(AccountEntry.currency, AccountEntry.kind)
    ).all()
    found = {}
    for currency, kind, total in rows:
        found.setdefault(currency, {})[_FIELD_OF[kind]] = int(total)
    return {currency: Summary(currency, **totals) for currency, totals in sorted(found.items())}


def lock_account(patient_id):
    """Lock the patient's row: the one lock every spend or refund of the account takes, first."""
    patient = db.session.execute(
        select(Patient).where(Patient.id == patient_id).with_for_update()
    ).scalar_one_or_none()
    if patient is None:
        raise AccountRefused("There is no such patient.")
    return patient


def _check_amount(amount_minor, currency):
    try:
        check_currency(currency)
    except InvalidAmount as problem:
        raise AccountRefused(str(problem)) from None
    if not isinstance(amount_minor, int) or amount_minor <= 0:
        raise AccountRefused("The amount must be more than zero.")
    if amount_minor > MAX_AMOUNT_MINOR:
        raise AccountRefused("The amount is too large.")


def _add(patient, kind, amount_minor, currency, *, actor_id, **fields):
    entry = AccountEntry(patient_id=patient.id, kind=kind, amount_minor=amount_minor, currency=currency,
                         created_by_id=actor_id, **fields)
    db.session.add(entry)
    db.session.flush()
    audit.record(f"account.{kind}", entry, after=audit.snapshot(entry, ENTRY_AUDIT_FIELDS), actor_id=actor_id,
                 patient_id=patient.id, note=fields.get("note"))
    return entry


def put(patient_id, kind, amount_minor, currency, *, actor_id, **fields):
    """Add money to the account (a deposit or credit). Returns the entry."""
    if kind not in MONEY_IN:
        raise ValueError(f"{kind!r} does not add money to an account")
    _check_amount(amount_minor, currency)
    return _add(lock_account(patient_id), kind, amount_minor, currency, actor_id=actor_id, **fields)


def take(patient_id, kind, amount_minor, currency, *, actor_id, **fields):
    """Take money off the account (applied to an invoice, or refunded) — never more than is left."""
    if kind not in MONEY_OUT:
        raise ValueError(f"{kind!r} does not take money from an account")
    _check_amount(amount_minor, currency)
    patient = lock_account(patient_id)
    ensure_left(patient_id, amount_minor, currency)
    return _add(patient, kind, amount_minor, currency, actor_id=actor_id, **fields)


def ensure_left(patient_id, amount_minor, currency):
    """Refuse when the account holds less than `amount_minor`; meaningful only under `lock_account`."""
    left = balance_minor(patient_id, currency)
    if amount_minor > left:
        raise AccountRefused(
            f"Only {format_money(left, currency)} is left on the account; {format_money(amount_minor, currency)} "
            "is more than that.",
        )
