"""A patient's account: deposits and credit in, money applied to invoices and refunds out — as entries only.

The balance is never stored: it is Σ deposits + credit − applied − refunded over `account_entries`, per
currency (`billing_desk.accounts.ledger`). Every entry's amount is positive; its kind says which way it goes.
"""
from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow

ENTRY_KINDS = ("deposit", "credit", "applied", "refund")
DOCUMENT_PREFIXES = {"deposit": "DEP", "refund": "DRF"}


class AccountEntry(db.Model):
    """One movement on a patient's account.

    deposit: money the patient paid in ahead (cash or transfer; `channel`, `reference`, `shift_id`);
    credit: money the patient chose to keep on account (from a refund or an overpayment; `note` says which);
    applied: part of the account spent on an invoice — `payment_id` is the invoice payment it became;
    refund: unused account money given back (`channel`, its own document, `approval_id` when approved).
    """

    __tablename__ = "account_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(db.ForeignKey("patients.id"))
    kind: Mapped[str] = mapped_column(db.String(10))
    amount_minor: Mapped[int] = mapped_column(db.BigInteger)
    currency: Mapped[str] = mapped_column(db.String(3))
    channel: Mapped[str | None] = mapped_column(db.String(20))
    reference: Mapped[str | None] = mapped_column(db.String(100))
    note: Mapped[str | None] = mapped_column(db.Text)
    payment_id: Mapped[int | None] = mapped_column(db.ForeignKey("payments.id"), unique=True)
    approval_id: Mapped[int | None] = mapped_column(db.ForeignKey("approval_requests.id"))
    shift_id: Mapped[int | None] = mapped_column(db.ForeignKey("shifts.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    submission_key: Mapped[str | None] = mapped_column(db.String(64), unique=True)
    print_count: Mapped[int] = mapped_column(default=0)

    patient = relationship("Patient")
    payment = relationship("Payment")
    created_by = relationship("Staff")
    approval = relationship("ApprovalRequest")

    __table_args__ = (
        Index("ix_account_entries_patient_id_created_at", "patient_id", "created_at"),
        CheckConstraint(f"kind IN {ENTRY_KINDS!r}", name="kind"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    @property
    def document_number(self):
        """The number printed on a deposit receipt (DEP-…) or a refund document (DRF-…)."""
        return f"{DOCUMENT_PREFIXES.get(self.kind, 'ACC')}-{self.id:06d}"

    def __repr__(self):
        return f"<AccountEntry {self.id} {self.kind} {self.amount_minor} {self.currency}>"
