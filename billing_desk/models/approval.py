"""Four-eyes approvals: a guarded action asked for by one member of staff and decided by a supervisor."""
from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow

# As the schema's check constraint allows them; "discount" (a supervisor lifting the cashier's discount limit on
# the invoice editor) is allowed by the schema but not offered by any form yet.
APPROVAL_ACTIONS = ("void_invoice", "refund_payment", "refund_deposit", "discount")
APPROVAL_STATUSES = ("pending", "approved", "rejected")


class ApprovalRequest(db.Model):
    """What was asked (`action` with its `params`), by whom, and what a supervisor decided.

    `params` holds exactly what the action needs to run once approved, so a queued request is carried out
    as asked and not as the form might look later. `decided_via` is "desk" (the supervisor signed on the
    requester's form) or "queue" (from the approvals page).
    """

    __tablename__ = "approval_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(db.String(20))
    status: Mapped[str] = mapped_column(db.String(10), default="pending")
    params: Mapped[dict] = mapped_column(db.JSON)
    amount_minor: Mapped[int | None] = mapped_column(db.BigInteger)
    currency: Mapped[str | None] = mapped_column(db.String(3))
    patient_id: Mapped[int | None] = mapped_column(db.ForeignKey("patients.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(db.ForeignKey("invoices.id"), index=True)
    reason: Mapped[str] = mapped_column(db.Text)
    requested_by_id: Mapped[int] = mapped_column(db.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    decided_via: Mapped[str | None] = mapped_column(db.String(10))
    decision_note: Mapped[str | None] = mapped_column(db.Text)
    submission_key: Mapped[str | None] = mapped_column(db.String(64), unique=True)

    requested_by = relationship("Staff", foreign_keys=[requested_by_id])
    decided_by = relationship("Staff", foreign_keys=[decided_by_id])
    patient = relationship("Patient")
    invoice = relationship("Invoice")

    __table_args__ = (
        Index("ix_approval_requests_status_created_at", "status", "created_at"),
        CheckConstraint(f"action IN {APPROVAL_ACTIONS!r}", name="action"),
        CheckConstraint(f"status IN {APPROVAL_STATUSES!r}", name="status"),
    )

    def __repr__(self):
        return f"<ApprovalRequest {self.id} {self.action} {self.status}>"
