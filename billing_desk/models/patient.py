from datetime import date, datetime

from sqlalchemy import Index, func
from sqlalchemy.orm import Mapped, mapped_column

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow

SEXES = ("female", "male", "other", "unknown")


class Patient(db.Model):
    """A patient of the hospital; `mrn` is the hospital number printed on every document.

    `phone` holds the normalised number (see `patients.phones`), so equality finds duplicates and a prefix
    search finds a number however it was typed. `submission_key` makes a double-submitted registration
    find the first row instead of making a second patient.
    """

    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    mrn: Mapped[str] = mapped_column(db.String(20), unique=True)
    first_name: Mapped[str] = mapped_column(db.String(80))
    last_name: Mapped[str] = mapped_column(db.String(80))
    sex: Mapped[str] = mapped_column(db.String(10), default="unknown")
    date_of_birth: Mapped[date | None] = mapped_column(db.Date)
    phone: Mapped[str | None] = mapped_column(db.String(20))
    email: Mapped[str | None] = mapped_column(db.String(254))
    address: Mapped[str | None] = mapped_column(db.Text)
    paystack_customer_code: Mapped[str | None] = mapped_column(db.String(40), unique=True)
    paystack_customer_id: Mapped[int | None] = mapped_column(db.BigInteger)
    submission_key: Mapped[str | None] = mapped_column(db.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)

    # Search is by prefix (`LIKE 'abc%'`). On PostgreSQL a plain b-tree only serves LIKE under the "C"
    # collation, so these use the pattern operator classes (they also serve `=`); SQLite ignores the option.
    __table_args__ = (
        Index(
            "ix_patients_lower_last_name",
            func.lower(last_name).label("lower_last_name"),
            postgresql_ops={"lower_last_name": "text_pattern_ops"},
        ),
        Index(
            "ix_patients_lower_first_name",
            func.lower(first_name).label("lower_first_name"),
            postgresql_ops={"lower_first_name": "text_pattern_ops"},
        ),
        Index(
            "ix_patients_lower_email",
            func.lower(email).label("lower_email"),
            postgresql_ops={"lower_email": "text_pattern_ops"},
        ),
        Index("ix_patients_phone", "phone", postgresql_ops={"phone": "varchar_pattern_ops"}),
        Index("ix_patients_mrn_prefix", "mrn", postgresql_ops={"mrn": "varchar_pattern_ops"}),
    )

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day):
        """Whole years of age on `day`, or None when the date of birth is not known."""
        born = self.date_of_birth
        if born is None:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def __repr__(self):
        return f"<Patient {self.mrn}>"
