"""The email outbox: every email to a patient is a row first, written in the transaction that caused it."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow

KINDS = ("invoice", "receipt", "reminder", "statement", "reconciliation")
# queued → sending → sent | failed | skipped. A `failed` row with `next_attempt_at` set is still retried;
# without it the desk has given up and only an administrator's resend sends it again.
STATUSES = ("queued", "sending", "sent", "failed", "skipped")


class EmailOutbox(db.Model):
    """One email to a patient and where it got to.

    Uniqueness is what makes "never twice" hold however often a caller or a job repeats itself: one receipt
    row per payment (`kind`, `payment_id`), one row per reminder number per invoice, and one row per
    submitted "Send invoice" form (`submission_key`). A resend re-arms the same row rather than adding one.
    `claimed_at` and `message_id` are committed before the SMTP conversation starts (see `notifications.tasks`).
    """

    __tablename__ = "email_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(db.String(20), index=True)
    status: Mapped[str] = mapped_column(db.String(20), default="queued", index=True)
    # An invoice's emails (invoice, receipt, reminder) have `invoice_id`; a statement is about a patient and a date
    # range (`patient_id`, `statement_*`); a reconciliation report goes to an administrator (`reconciliation_run_id`).
    invoice_id: Mapped[int | None] = mapped_column(db.ForeignKey("invoices.id"), index=True)
    reconciliation_run_id: Mapped[int | None] = mapped_column(db.ForeignKey("reconciliation_runs.id"), index=True)
    patient_id: Mapped[int | None] = mapped_column(db.ForeignKey("patients.id"), index=True)
    statement_currency: Mapped[str | None] = mapped_column(db.String(3))
    statement_first: Mapped[date | None] = mapped_column(db.Date)
    statement_last: Mapped[date | None] = mapped_column(db.Date)
    payment_id: Mapped[int | None] = mapped_column(db.ForeignKey("payments.id"), index=True)
    reminder_number: Mapped[int | None] = mapped_column()
    recipient: Mapped[str | None] = mapped_column(db.String(254))
    subject: Mapped[str] = mapped_column(db.String(255))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(db.Text)
    message_id: Mapped[str | None] = mapped_column(db.String(255))
    claimed_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(db.DateTime, index=True)
    resend_count: Mapped[int] = mapped_column(default=0)
    requested_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"))
    submission_key: Mapped[str | None] = mapped_column(db.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)

    invoice = relationship("Invoice")
    patient = relationship("Patient")
    payment = relationship("Payment")
    requested_by = relationship("Staff")
    reconciliation_run = relationship("ReconciliationRun")

    __table_args__ = (
        UniqueConstraint("kind", "payment_id", name="uq_email_outbox_kind_payment_id"),
        UniqueConstraint("invoice_id", "kind", "reminder_number", name="uq_email_outbox_invoice_kind_reminder"),
        UniqueConstraint("reconciliation_run_id", "recipient", name="uq_email_outbox_reconciliation_recipient"),
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
    )

    @property
    def will_retry(self):
        return self.status == "failed" and self.next_attempt_at is not None

    @property
    def can_resend(self):
        """Only what the desk has given up on: a resend of anything else could send the email twice."""
        return self.status == "skipped" or (self.status == "failed" and self.next_attempt_at is None)

    def __repr__(self):
        return f"<EmailOutbox {self.id} {self.kind} {self.status}>"
