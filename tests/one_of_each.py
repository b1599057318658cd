"""One row of every kind a URL can name, each with id 1, so every route of the URL map has something to find.

`conftest` empties the tables with RESTART IDENTITY, so the first row of each table gets id 1. The staff
member with id 1 is a bystander: administrators' actions in the auth matrix (deactivate, reset password)
land on them, never on the accounts the test signs in with.
"""
from billing_desk.extensions import db
from billing_desk.models import (
    EmailOutbox,
    Payment,
    PaymentRequest,
    PaymentReview,
    Refund,
    Shift,
    Terminal,
    TerminalPush,
    WebhookEvent,
)
from billing_desk.timeutil import utcnow
from tests.factories import make_issued_invoice, make_patient, make_service, make_staff


def seed_one_of_each(cashier_email="cashier@example.org", admin_email="admin@example.org"):
    """The bystander (staff 1), a cashier, an admin, and one of everything else; returns (cashier, admin)."""
    make_staff(email="bystander@example.org", full_name="Bea Bystander")
    cashier = make_staff(role="cashier", email=cashier_email, full_name="Cathy Cashier")
    admin = make_staff(role="admin", email=admin_email, full_name="Ada Admin")
    invoice = make_issued_invoice(make_patient(email="patient@example.org"), lines=((750000, 2),))
    make_service()
    terminal = Terminal(terminal_id="TRM-1", name="Front desk", desk="Desk 1")
    shift = Shift(staff_id=cashier.id, currency="NGN", opening_float_minor=0)
    db.session.add_all([terminal, shift])
    db.session.flush()
    payment = Payment(invoice_id=invoice.id, amount_minor=100000, currency="NGN", channel="cash",
                      received_by_id=cashier.id, shift_id=shift.id)
    request = PaymentRequest(invoice_id=invoice.id, amount_minor=1400000, currency="NGN", status="pending",
                             request_code="PRQ_one")
    db.session.add_all([payment, request])
    db.session.flush()
    event = WebhookEvent(event="charge.success", dedupe_key="charge.success:1", attempts=0, duplicates=0,
                         body='{"event": "charge.success", "data": {"id": 1}}')
    db.session.add_all([
        TerminalPush(invoice_id=invoice.id, payment_request_id=request.id, terminal_id=terminal.id,
                     staff_id=cashier.id, expires_at=utcnow()),
        event,
        Refund(payment_id=payment.id, invoice_id=invoice.id, amount_minor=100, currency="NGN", channel="cash",
               status="processed", reason="test"),
        EmailOutbox(kind="invoice", status="skipped", invoice_id=invoice.id, subject="Your invoice"),
    ])
    db.session.flush()
    db.session.add(PaymentReview(kind="unknown_reference", webhook_event_id=event.id, detail="test"))
    db.session.commit()
    return cashier, admin
