"""billing.refunds: how much can be refunded, cash refunds, and how the invoice follows processed refunds."""
import pytest
from sqlalchemy import select

from billing_desk.billing import refunds
from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Invoice, Refund
from tests.factories import make_issued_invoice


def pay(invoice, amount, channel="cash", reference=None):
    payment = record_payment(invoice.id, PaymentDetails(amount_minor=amount, currency=invoice.currency,
                                                        channel=channel, paystack_reference=reference), actor_id=None)
    db.session.commit()
    return payment


@pytest.fixture
def paid(app):
    invoice = make_issued_invoice(lines=((500000, 2),))  # NGN 10,000
    return invoice, pay(invoice, 1_000_000)


@pytest.mark.parametrize(
    ("amounts", "status", "paid_minor", "refunded_minor"),
    [
        ((1_000_000,), "refunded", 0, 1_000_000),
        ((400_000,), "partially_refunded", 600_000, 400_000),
        ((400_000, 600_000), "refunded", 0, 1_000_000),
    ],
)
def test_cash_refunds_are_processed_at_once(paid, admin, amounts, status, paid_minor, refunded_minor):
    invoice, payment = paid
    for amount in amounts:
        refund = refunds.create_refund(payment.id, amount, channel="cash", reason="Overcharged", actor_id=admin.id)
        db.session.commit()
        assert (refund.status, refund.channel) == ("processed", "cash")
    invoice = db.session.get(Invoice, invoice.id)
    assert (invoice.status, invoice.amount_paid_minor, invoice.amount_refunded_minor) == (status, paid_minor, refunded_minor)
    assert invoice.balance_due_minor == 0  # refunded money is not owed again
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "refunds")).all()
    assert actions.count("refund.processed") == len(amounts) and actions.count("refund.requested") == len(amounts)


@pytest.mark.parametrize(
    ("amount", "channel", "reason", "message"),
    [
        (1_000_001, "cash", "x", "can still be refunded"),
        (0, "cash", "x", "more than zero"),
        (-5, "cash", "x", "more than zero"),
        (100, "cash", "  ", "reason"),
        (100, "paystack", "x", "cannot be refunded that way"),  # a cash payment has no card to refund to
        (100, "cheque", "x", "cannot be refunded that way"),
    ],
)
def test_refunds_that_are_refused(paid, amount, channel, reason, message):
    _, payment = paid
    with pytest.raises(refunds.RefundRefused, match=message):
        refunds.create_refund(payment.id, amount, channel=channel, reason=reason)
    db.session.rollback()
    assert db.session.scalars(select(Refund)).all() == []


def test_pending_card_refunds_hold_their_amount_until_they_fail(app):
    invoice = make_issued_invoice(lines=((500000, 1),))
    payment = pay(invoice, 500000, channel="card_terminal", reference="pos_abc")
    refund = refunds.create_refund(payment.id, 300000, channel="paystack", reason="Duplicate charge")
    db.session.commit()
    assert refund.status == "submitting"
    assert db.session.get(Invoice, invoice.id).status == "paid"  # nothing moves until Paystack confirms
    assert refunds.refundable_minor(payment) == 200000
    with pytest.raises(refunds.RefundRefused):
        refunds.create_refund(payment.id, 300000, channel="cash", reason="again")
    db.session.rollback()
    refunds.advance_status(db.session.get(refunds.Refund, refund.id), "failed", error="no")
    db.session.commit()
    assert refunds.refundable_minor(payment) == 500000


def test_refund_of_an_unpaid_or_void_invoice_is_refused(app):
    invoice = make_issued_invoice(lines=((500000, 1),))
    payment = pay(invoice, 100000)
    db.session.get(Invoice, invoice.id).status = "void"  # as if voided behind the desk's back
    db.session.commit()
    with pytest.raises(refunds.RefundRefused, match="void"):
        refunds.create_refund(payment.id, 100000, channel="cash", reason="x")


def test_same_submission_key_makes_one_refund(paid):
    _, payment = paid
    first = refunds.create_refund(payment.id, 1000, channel="cash", reason="x", submission_key="k1")
    db.session.commit()
    second = refunds.create_refund(payment.id, 1000, channel="cash", reason="x", submission_key="k1")
    assert first.id == second.id
    assert db.session.get(Invoice, payment.invoice_id).amount_refunded_minor == 1000


def test_processing_twice_changes_the_invoice_once(app):
    invoice = make_issued_invoice(lines=((500000, 1),))
    payment = pay(invoice, 500000, channel="card_terminal", reference="pos_twice")
    refund = refunds.create_refund(payment.id, 500000, channel="paystack", reason="x")
    assert refunds.advance_status(refund, "pending") is True
    assert refunds.apply_processed_refund(refund) is True
    assert refunds.apply_processed_refund(refund) is False
    assert refunds.advance_status(refund, "processed") is False
    db.session.commit()
    invoice = db.session.get(Invoice, invoice.id)
    assert (invoice.status, invoice.amount_paid_minor, invoice.amount_refunded_minor) == ("refunded", 0, 500000)
