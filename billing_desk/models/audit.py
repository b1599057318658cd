from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow


class AuditEntry(db.Model):
    """Who did what to which record, when, with the record's state before and after."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"), index=True)
    action: Mapped[str] = mapped_column(db.String(50), index=True)
    entity_type: Mapped[str] = mapped_column(db.String(30))
    entity_id: Mapped[int | None] = mapped_column()
    invoice_id: Mapped[int | None] = mapped_column(index=True)
    patient_id: Mapped[int | None] = mapped_column(index=True)
    before: Mapped[dict | None] = mapped_column(db.JSON)
    after: Mapped[dict | None] = mapped_column(db.JSON)
    note: Mapped[str | None] = mapped_column(db.Text)

    actor = relationship("Staff")
