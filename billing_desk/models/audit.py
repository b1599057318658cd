from datetime import datetime

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow


class AuditEntry(db.Model):
    """Who did what to which record, when, with the record's state before and after.

    The audit log lists entries newest first, filtered by one of invoice, patient, actor or action and a
    date range: each filter has a (column, created_at) index so a filtered page reads only its rows.
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(db.String(50))
    entity_type: Mapped[str] = mapped_column(db.String(30))
    entity_id: Mapped[int | None] = mapped_column()
    invoice_id: Mapped[int | None] = mapped_column()
    patient_id: Mapped[int | None] = mapped_column()
    before: Mapped[dict | None] = mapped_column(db.JSON)
    after: Mapped[dict | None] = mapped_column(db.JSON)
    note: Mapped[str | None] = mapped_column(db.Text)

    actor = relationship("Staff")

    __table_args__ = (
        Index("ix_audit_entries_invoice_id_created_at", "invoice_id", "created_at"),
        Index("ix_audit_entries_patient_id_created_at", "patient_id", "created_at"),
        Index("ix_audit_entries_actor_id_created_at", "actor_id", "created_at"),
        Index("ix_audit_entries_action_created_at", "action", "created_at"),
    )
