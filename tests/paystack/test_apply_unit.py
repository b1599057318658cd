"""The apply functions on verified data, without HTTP: booking, duplicates, mismatches, late events, refunds."""
import pytest
from sqlalchemy import func, select

from billing_desk.billing import refunds as refund_service
from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.models import (
    AuditEntry,
    EmailOutbox,
    Invoice,
    Payment,
    PaymentRequest,
    PaymentReview,
    Refund,
    TerminalPush,
)
from billing_desk.paystack import charges, coerce, events, outcomes, payment_requests
from tests.factories import make_issued_invoice, make_patient, make_staff
from tests.paystack.webhook_fixtures import make_payment_request, make_terminal, transaction, verified_request


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def pushed(app):
    """An NGN 7,500 invoice whose request was pushed to Desk 1 by a cashier."""
    staff = make_staff()
    terminal = make_terminal()
    invoice = make_issued_invoice(lines=((750000, 1),))
    payment_request = make_payment_request(invoice, staff=staff, terminal=terminal)
    return invoice, payment_request, staff, terminal


def apply_and_commit(payment_request, verified):
    payment_request = db.session.get(PaymentRequest, payment_request.id)
    outcome = charges.apply_verified_request(payment_request, verified)
    db.session.commit()
    return outcome


def test_verified_payment_is_recorded_once_with_who_and_where(pushed):
    invoice, payment_request, staff, terminal = pushed
    tx = transaction(amount=750000)
    verified = verified_request(payment_request, [tx])
    assert apply_and_commit(payment_request, verified).name == outcomes.PAID
    assert apply_and_commit(payment_request, verified).name == outcomes.DUPLICATE

    payment = db.session.scalars(select(Payment)).one()
    assert (payment.amount_minor, payment.channel, payment.paystack_reference) == (750000, "card_terminal", tx["reference"])
    assert (payment.received_by_id, payment.terminal_id) == (staff.id, terminal.id)
    assert payment.paid_at.isoformat() == "2026-11-20T09:16:39"
    assert db.session.get(Invoice, invoice.id).status == "paid"
    assert db.session.get(PaymentRequest, payment_request.id).status == "success"
    assert db.session.scalars(select(TerminalPush)).one().status == "paid"
    assert count(AuditEntry, AuditEntry.action == "payment.recorded") == 1
    assert count(AuditEntry, AuditEntry.action == "payment_request.success") == 1


def test_the_paid_push_is_audited_as_the_system(pushed):
    invoice, payment_request, *_ = pushed
    apply_and_commit(payment_request, verified_request(payment_request, [transaction(amount=750000)]))
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "terminal_push.paid")).one()
    push = db.session.scalars(select(TerminalPush)).one()
    assert (entry.entity_id, entry.actor_id, entry.invoice_id) == (push.id, None, invoice.id)
    assert (entry.before, entry.after) == ({"status": "sent"}, {"status": "paid"})


@pytest.mark.parametrize(
    ("email", "status", "dispatched"),
    [("ada.patient@example.org", "queued", True), (None, "skipped", False), ("not-an-address", "skipped", False)],
    ids=["with email", "no email", "unusable email"],
)
def test_a_booked_card_payment_queues_one_receipt_in_the_same_transaction(app, email, status, dispatched):
    terminal = make_terminal()
    invoice = make_issued_invoice(patient=make_patient(email=email), lines=((750000, 1),))
    payment_request = make_payment_request(invoice, terminal=terminal)
    verified = verified_request(payment_request, [transaction(amount=750000)])

    outcome = apply_and_commit(payment_request, verified)
    again = apply_and_commit(payment_request, verified)  # the other webhook, a duplicate, the sweep

    row = db.session.scalars(select(EmailOutbox).where(EmailOutbox.kind == "receipt")).one()
    assert (row.payment_id, row.invoice_id, row.status) == (db.session.scalars(select(Payment.id)).one(),
                                                             invoice.id, status)
    assert (outcome.name, again.name) == (outcomes.PAID, outcomes.DUPLICATE)
    assert (row.status == "queued") is dispatched  # a queued receipt is started after the commit


def test_a_payment_made_online_is_recorded_as_online(pushed):
    """A request pushed to a terminal and then paid on the hosted page: online, no cashier, no terminal."""
    invoice, payment_request, *_ = pushed
    tx = transaction(amount=750000) | {"channel": "card", "source": None}
    assert apply_and_commit(payment_request, verified_request(payment_request, [tx])).name == outcomes.PAID
    payment = db.session.scalars(select(Payment)).one()
    assert (payment.channel, payment.received_by_id, payment.terminal_id) == ("online", None, None)
    assert db.session.scalars(select(TerminalPush)).one().status == "paid"


@pytest.mark.parametrize(
    ("tx_fields", "kind"),
    [
        ({"amount": 700000, "requested_amount": 700000}, "amount_mismatch"),
        ({"amount": 800000, "requested_amount": 800000}, "amount_mismatch"),
        ({"amount": "7500", "requested_amount": "7500"}, "amount_mismatch"),
        ({"currency": "GHS"}, "currency_mismatch"),
        ({"currency": None}, "currency_mismatch"),
    ],
)
def test_mismatch_is_flagged_and_the_invoice_stays_unpaid(pushed, tx_fields, kind):
    invoice, payment_request, *_ = pushed
    tx = transaction() | tx_fields
    assert apply_and_commit(payment_request, verified_request(payment_request, [tx])).name == outcomes.REVIEW
    review = db.session.scalars(select(PaymentReview)).one()
    assert (review.kind, review.paystack_reference, review.invoice_id) == (kind, tx["reference"], invoice.id)
    assert review.expected_minor == 750000
    assert count(Payment) == 0
    assert db.session.get(Invoice, invoice.id).status == "issued"
    # Seen again (the other webhook, the sweep): still one review, still unpaid.
    assert apply_and_commit(payment_request, verified_request(payment_request, [tx])).name == outcomes.DUPLICATE
    assert count(PaymentReview) == 1


def test_fees_paid_on_top_count_as_the_requested_amount(pushed):
    invoice, payment_request, *_ = pushed
    tx = transaction(amount=760000) | {"requested_amount": 750000}
    assert apply_and_commit(payment_request, verified_request(payment_request, [tx])).name == outcomes.PAID
    assert db.session.scalars(select(Payment)).one().amount_minor == 750000


def test_card_money_on_an_invoice_already_paid_in_cash_is_an_overpayment_review(pushed):
    invoice, payment_request, *_ = pushed
    record_payment(invoice.id, PaymentDetails(amount_minor=750000, currency="NGN", channel="cash"), actor_id=None)
    db.session.commit()
    outcome = apply_and_commit(payment_request, verified_request(payment_request, [transaction()]))
    assert outcome.name == outcomes.REVIEW
    assert db.session.scalars(select(PaymentReview)).one().kind == "overpayment"
    assert count(Payment) == 1


def test_verified_pending_request_books_nothing(pushed):
    _, payment_request, *_ = pushed
    assert apply_and_commit(payment_request, verified_request(payment_request, [])).name == outcomes.PENDING
    assert count(Payment) == 0
    assert db.session.get(PaymentRequest, payment_request.id).last_verified_at is not None


def test_paid_request_without_transactions_is_flagged(pushed):
    _, payment_request, *_ = pushed
    outcome = apply_and_commit(payment_request, verified_request(payment_request, [], status="success"))
    assert outcome.name == outcomes.REVIEW
    assert count(Payment) == 0


def test_failed_transactions_are_not_money(pushed):
    _, payment_request, *_ = pushed
    outcome = apply_and_commit(payment_request, verified_request(payment_request, [transaction(status="failed")],
                                                                 status="pending"))
    assert outcome.name == outcomes.PENDING
    assert count(Payment) == 0


def test_late_pending_never_undoes_success(pushed):
    _, payment_request, *_ = pushed
    apply_and_commit(payment_request, verified_request(payment_request, [transaction()]))
    data = {"id": payment_request.paystack_id, "request_code": payment_request.request_code, "status": "pending"}
    assert events.apply_event("paymentrequest.pending", data).name == outcomes.IGNORED
    db.session.commit()
    assert db.session.get(PaymentRequest, payment_request.id).status == "success"


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (lambda r: {"id": r.paystack_id}, True),
        (lambda r: {"id": str(r.paystack_id)}, True),
        (lambda r: {"request_code": r.request_code}, True),
        (lambda r: {"offline_reference": r.offline_reference}, True),
        (lambda r: {"id": 1, "request_code": "PRQ_other", "offline_reference": "0"}, False),
    ],
)
def test_payment_request_lookup(pushed, data, found):
    payment_request = pushed[1]
    assert (payment_requests.find_payment_request(data(payment_request)) == payment_request) is found


@pytest.mark.parametrize(
    ("event", "result"),
    [("invoice.create", outcomes.IGNORED), ("invoice.payment_failed", outcomes.IGNORED),
     ("subscription.create", outcomes.IGNORED), ("refund.unknown-status", outcomes.IGNORED)],
)
def test_events_the_desk_does_not_use_are_ignored(app, event, result):
    assert events.apply_event(event, {"invoice_code": "INV_1"}).name == result


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5000, 5000), ("5000", 5000), ("5000.0", 5000), (5000.0, 5000), ("50.5", None), ("x", None), (None, None),
     (True, None)],
)
def test_amounts_are_coerced_defensively(value, expected):
    assert coerce.as_int(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-11-20T09:16:39.000Z", "2026-11-20T09:16:39"), ("2026-11-20T10:16:39+01:00", "2026-11-20T09:16:39"),
     ("2026-11-20T09:16:39", "2026-11-20T09:16:39"), ("yesterday", None), (None, None)],
)
def test_paid_at_is_naive_utc(value, expected):
    parsed = coerce.parse_paid_at(value)
    assert (parsed.isoformat() if parsed else None) == expected


# ---- refunds ---------------------------------------------------------------------------------------------

@pytest.fixture
def card_payment(pushed):
    invoice, payment_request, *_ = pushed
    tx = transaction()
    apply_and_commit(payment_request, verified_request(payment_request, [tx]))
    return db.session.scalars(select(Payment)).one()


def card_refund(payment, amount, status="pending"):
    refund = refund_service.create_refund(payment.id, amount, channel="paystack", reason="Test")
    refund.status = status
    db.session.commit()
    return refund


def refund_event(event, payment, amount, **extra):
    data = {"status": event.removeprefix("refund."), "transaction_reference": payment.paystack_reference,
            "amount": str(amount), "currency": "NGN", **extra}
    outcome = events.apply_event(event, data)
    db.session.commit()
    return outcome


@pytest.mark.parametrize(
    ("amount", "status", "paid", "refunded"),
    [(750000, "refunded", 0, 750000), (250000, "partially_refunded", 500000, 250000)],
)
def test_processed_refund_takes_the_money_off_the_invoice(card_payment, amount, status, paid, refunded):
    refund = card_refund(card_payment, amount)
    assert refund_event("refund.processing", card_payment, amount).name == outcomes.REFUND
    assert refund_event("refund.processed", card_payment, amount, refund_reference="RFN1").name == outcomes.REFUND
    assert refund_event("refund.processed", card_payment, amount, refund_reference="RFN1").name == outcomes.DUPLICATE
    invoice = db.session.get(Invoice, card_payment.invoice_id)
    assert (invoice.status, invoice.amount_paid_minor, invoice.amount_refunded_minor) == (status, paid, refunded)
    refund = db.session.get(Refund, refund.id)
    assert (refund.status, refund.refund_reference) == ("processed", "RFN1")
    assert count(AuditEntry, AuditEntry.action == "refund.processed") == 1


def test_failed_refund_changes_nothing_on_the_invoice(card_payment):
    refund = card_refund(card_payment, 250000)
    assert refund_event("refund.failed", card_payment, 250000).name == outcomes.REFUND
    invoice = db.session.get(Invoice, card_payment.invoice_id)
    assert (invoice.status, invoice.amount_paid_minor) == ("paid", 750000)
    assert db.session.get(Refund, refund.id).status == "failed"
    assert refund_service.refundable_minor(card_payment) == 750000  # failed refunds free the amount again


@pytest.mark.parametrize("late", ["refund.pending", "refund.processing", "refund.needs-attention", "refund.failed"])
def test_refund_status_only_moves_forward(card_payment, late):
    refund = card_refund(card_payment, 100000)
    refund_event("refund.processed", card_payment, 100000)
    assert refund_event(late, card_payment, 100000).name == outcomes.DUPLICATE
    assert db.session.get(Refund, refund.id).status == "processed"
    assert db.session.get(Invoice, card_payment.invoice_id).amount_refunded_minor == 100000


def test_several_partial_refunds_are_matched_by_amount_then_one_by_one(card_payment):
    first = card_refund(card_payment, 100000)
    second = card_refund(card_payment, 200000)
    third = card_refund(card_payment, 100000)
    refund_event("refund.processed", card_payment, 200000, refund_reference="RFN2")
    refund_event("refund.processed", card_payment, 100000, refund_reference="RFN1")
    assert [db.session.get(Refund, r.id).status for r in (first, second, third)] == ["processed", "processed", "pending"]
    refund_event("refund.processed", card_payment, 100000, refund_reference="RFN3")
    invoice = db.session.get(Invoice, card_payment.invoice_id)
    assert (invoice.amount_refunded_minor, invoice.status) == (400000, "partially_refunded")


def test_refund_we_did_not_ask_for_is_flagged(card_payment):
    assert refund_event("refund.processed", card_payment, 5000).name == outcomes.REVIEW
    review = db.session.scalars(select(PaymentReview)).one()
    assert (review.kind, review.invoice_id) == ("unknown_reference", card_payment.invoice_id)
    assert db.session.get(Invoice, card_payment.invoice_id).amount_refunded_minor == 0
