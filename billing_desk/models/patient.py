from datetime import date, datetime

from sqlalchemy import Index, func
from sqlalchemy.orm import Mapped, mapped_column

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow

SEXES = ("female", "male", "other", "unknown")


class Patient(db.Model):
    """A patient of the hospital; `mrn` is the hospital number printed on every document."""

    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    mrn: Mapped[str] = mapped_column(db.String(20), unique=True)
    first_name: Mapped[str] = mapped_column(db.String(80))
    last_name: Mapped[str] = mapped_column(db.String(80))
    sex: Mapped[str] = mapped_column(db.String(10), default="unknown")
    date_of_birth: Mapped[date | None] = mapped_column(db.Date)
    phone: Mapped[str | None] = mapped_column(db.String(20), index=True)
    email: Mapped[str | None] = mapped_column(db.String(254))
    address: Mapped[str | None] = mapped_column(db.Text)
    paystack_customer_code: Mapped[str | None] = mapped_column(db.String(40), unique=True)
    paystack_customer_id: Mapped[int | None] = mapped_column(db.BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_patients_lower_last_name", func.lower(last_name)),
        Index("ix_patients_lower_first_name", func.lower(first_name)),
        Index("ix_patients_lower_email", func.lower(email)),
    )

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    def __repr__(self):
        return f"<Patient {self.mrn}>"
