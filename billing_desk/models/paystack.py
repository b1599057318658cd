"""What the desk keeps about Paystack: terminals, payment requests, pushes, webhook events, reviews, refunds."""
from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow


class Terminal(db.Model):
    """A Paystack Terminal at a desk; `terminal_id` is Paystack's string id used in API paths."""

    __tablename__ = "terminals"

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal_id: Mapped[str] = mapped_column(db.String(40), unique=True)
    paystack_id: Mapped[int | None] = mapped_column(db.BigInteger)
    serial_number: Mapped[str | None] = mapped_column(db.String(60))
    name: Mapped[str] = mapped_column(db.String(80))
    desk: Mapped[str | None] = mapped_column(db.String(80))
    status: Mapped[str | None] = mapped_column(db.String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)


class PaymentRequest(db.Model):
    """A Paystack payment request for an invoice's balance.

    The row is written with status `creating` *before* the HTTP call, so a call that times out leaves a
    trace: the next attempt looks the request up at Paystack instead of creating a second one.
    """

    __tablename__ = "payment_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(db.ForeignKey("invoices.id"), index=True)
    paystack_id: Mapped[int | None] = mapped_column(db.BigInteger, unique=True)
    request_code: Mapped[str | None] = mapped_column(db.String(40), unique=True)
    offline_reference: Mapped[str | None] = mapped_column(db.String(40), index=True)
    amount_minor: Mapped[int] = mapped_column(db.BigInteger)
    currency: Mapped[str] = mapped_column(db.String(3))
    status: Mapped[str] = mapped_column(db.String(20), default="creating", index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)
    last_verified_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    paid_at: Mapped[datetime | None] = mapped_column(db.DateTime)

    invoice = relationship("Invoice")


class TerminalPush(db.Model):
    """One push of a payment request to a terminal, from the cashier's click to paid/failed/expired."""

    __tablename__ = "terminal_pushes"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(db.ForeignKey("invoices.id"), index=True)
    payment_request_id: Mapped[int] = mapped_column(db.ForeignKey("payment_requests.id"), index=True)
    terminal_id: Mapped[int] = mapped_column(db.ForeignKey("terminals.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"), index=True)
    event_id: Mapped[str | None] = mapped_column(db.String(40))
    status: Mapped[str] = mapped_column(db.String(20), default="sent", index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    # The "Charge on terminal" form's key: a double click opens the first push instead of pushing again.
    submission_key: Mapped[str | None] = mapped_column(db.String(64), unique=True)

    payment_request = relationship("PaymentRequest")
    terminal = relationship("Terminal")


class WebhookEvent(db.Model):
    """A Paystack webhook exactly as received (raw body), stored before it is acknowledged."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(db.String(60), index=True)
    dedupe_key: Mapped[str] = mapped_column(db.String(255), unique=True)
    body: Mapped[str] = mapped_column(db.Text)
    received_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    processed_at: Mapped[datetime | None] = mapped_column(db.DateTime, index=True)
    outcome: Mapped[str | None] = mapped_column(db.String(30), index=True)
    error: Mapped[str | None] = mapped_column(db.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)


class PaymentReview(db.Model):
    """Money Paystack reported that the desk could not apply safely; an administrator resolves it."""

    __tablename__ = "payment_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    # amount_mismatch | currency_mismatch | overpayment | unknown_reference
    kind: Mapped[str] = mapped_column(db.String(30))
    status: Mapped[str] = mapped_column(db.String(20), default="open", index=True)
    webhook_event_id: Mapped[int | None] = mapped_column(db.ForeignKey("webhook_events.id"))
    invoice_id: Mapped[int | None] = mapped_column(db.ForeignKey("invoices.id"), index=True)
    paystack_reference: Mapped[str | None] = mapped_column(db.String(100), unique=True)
    expected_minor: Mapped[int | None] = mapped_column(db.BigInteger)
    received_minor: Mapped[int | None] = mapped_column(db.BigInteger)
    currency: Mapped[str | None] = mapped_column(db.String(3))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"))
    resolution_note: Mapped[str | None] = mapped_column(db.Text)
    # What the desk saw, in words, for the administrator who resolves it.
    detail: Mapped[str | None] = mapped_column(db.Text)


class Refund(db.Model):
    """Money given back against a payment: through Paystack for card payments, or cash at the desk."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(db.ForeignKey("payments.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(db.ForeignKey("invoices.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(db.BigInteger)
    currency: Mapped[str] = mapped_column(db.String(3))
    channel: Mapped[str] = mapped_column(db.String(20))  # paystack | cash
    status: Mapped[str] = mapped_column(db.String(20), default="pending", index=True)
    reason: Mapped[str] = mapped_column(db.Text)
    paystack_refund_id: Mapped[int | None] = mapped_column(db.BigInteger, unique=True)
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    # Indexed for the statistics page, which sums refunds by the day they were processed.
    processed_at: Mapped[datetime | None] = mapped_column(db.DateTime, index=True)
    # A double-clicked refund form finds the first row instead of refunding twice.
    submission_key: Mapped[str | None] = mapped_column(db.String(64), unique=True)
    # Set (and committed) just before `POST /refund`: a refund is never sent to Paystack twice.
    submitted_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    refund_reference: Mapped[str | None] = mapped_column(db.String(60))
    error: Mapped[str | None] = mapped_column(db.Text)
    # The open shift of the staff member who gave the money back (see `billing_desk.shifts.service`).
    shift_id: Mapped[int | None] = mapped_column(db.ForeignKey("shifts.id"), index=True)

    payment = relationship("Payment")
