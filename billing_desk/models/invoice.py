from datetime import date, datetime

from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow


class Invoice(db.Model):
    """A bill for one patient in one currency.

    Amounts are integers in minor units. `amount_paid_minor` is successful payments minus processed refunds
    (kept equal to them by `billing.payments`); `balance_due_minor` is what the patient still owes.
    `status` is only ever changed by `billing.states`.
    """

    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(db.ForeignKey("patients.id"), index=True)
    number: Mapped[str | None] = mapped_column(db.String(20), unique=True)
    status: Mapped[str] = mapped_column(db.String(20), default="draft", index=True)
    currency: Mapped[str] = mapped_column(db.String(3), default="NGN")
    due_date: Mapped[date | None] = mapped_column(db.Date, index=True)
    notes: Mapped[str | None] = mapped_column(db.Text)
    invoice_discount_minor: Mapped[int] = mapped_column(db.BigInteger, default=0)
    subtotal_minor: Mapped[int] = mapped_column(db.BigInteger, default=0)
    discount_minor: Mapped[int] = mapped_column(db.BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(db.BigInteger, default=0)
    amount_paid_minor: Mapped[int] = mapped_column(db.BigInteger, default=0)
    amount_refunded_minor: Mapped[int] = mapped_column(db.BigInteger, default=0)
    submission_key: Mapped[str | None] = mapped_column(db.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(db.DateTime, index=True)
    issued_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"))
    voided_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    voided_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"))
    void_reason: Mapped[str | None] = mapped_column(db.Text)

    patient = relationship("Patient", lazy="joined")
    created_by = relationship("Staff", foreign_keys=[created_by_id])
    issued_by = relationship("Staff", foreign_keys=[issued_by_id])
    lines = relationship(
        "InvoiceLine", back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )
    payments = relationship("Payment", back_populates="invoice", order_by="Payment.id")

    @property
    def balance_due_minor(self):
        """What is still owed; refunded money is not owed again."""
        return max(self.total_minor - self.amount_paid_minor - self.amount_refunded_minor, 0)

    @property
    def is_editable(self):
        return self.status == "draft"

    def __repr__(self):
        return f"<Invoice {self.number or self.id} {self.status}>"


class InvoiceLine(db.Model):
    """One line of an invoice with its own copy of the service name and unit price."""

    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(db.ForeignKey("invoices.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    service_id: Mapped[int | None] = mapped_column(db.ForeignKey("services.id"), index=True)
    description: Mapped[str] = mapped_column(db.String(200))
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price_minor: Mapped[int] = mapped_column(db.BigInteger)
    discount_minor: Mapped[int] = mapped_column(db.BigInteger, default=0)
    line_total_minor: Mapped[int] = mapped_column(db.BigInteger)

    invoice = relationship("Invoice", back_populates="lines")
    service = relationship("Service")


class InvoiceSequence(db.Model):
    """The last invoice number used in a year; locked while issuing so numbers have no gaps or repeats."""

    __tablename__ = "invoice_sequences"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)
