from datetime import datetime

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow


class Shift(db.Model):
    """One cashier's stretch at a desk, from the opening float to the counted drawer (the Z report).

    A partial unique index allows one open shift (`closed_at IS NULL`) per staff member, whatever races.
    Everything the Z report shows is frozen into the row when the shift closes, so a closed shift reads the
    same forever, even when refunds or late webhooks arrive later.
    """

    __tablename__ = "shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(db.ForeignKey("staff.id"))
    currency: Mapped[str] = mapped_column(db.String(3), default="NGN")
    opening_float_minor: Mapped[int] = mapped_column(db.BigInteger)
    opened_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    # Double-clicked forms: a second "open" finds the first shift, a second "close" finds it closed.
    open_submission_key: Mapped[str | None] = mapped_column(db.String(64), unique=True)
    close_submission_key: Mapped[str | None] = mapped_column(db.String(64), unique=True)

    closed_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    # The cashier themself, or an administrator closing the shift for them; the Z report names who.
    closed_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"))
    cash_taken_minor: Mapped[int | None] = mapped_column(db.BigInteger)
    cash_refunds_minor: Mapped[int | None] = mapped_column(db.BigInteger)
    expected_cash_minor: Mapped[int | None] = mapped_column(db.BigInteger)
    counted_cash_minor: Mapped[int | None] = mapped_column(db.BigInteger)
    variance_minor: Mapped[int | None] = mapped_column(db.BigInteger)
    variance_reason: Mapped[str | None] = mapped_column(db.Text)
    # {"1000": 12, "500": 3, …} (face value in major units → notes counted) when counted by denomination.
    denominations: Mapped[dict | None] = mapped_column(db.JSON)
    # [{"channel", "currency", "amount_minor", "count"}, …] of the payments taken in the shift.
    channel_totals: Mapped[list | None] = mapped_column(db.JSON)
    # [{"terminal", "desk_minor", "paystack_minor", "result"}, …]; paystack_minor is None when unchecked.
    terminal_checks: Mapped[list | None] = mapped_column(db.JSON)

    signed_off_at: Mapped[datetime | None] = mapped_column(db.DateTime)
    signed_off_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"))
    sign_off_note: Mapped[str | None] = mapped_column(db.Text)

    staff = relationship("Staff", foreign_keys=[staff_id])
    closed_by = relationship("Staff", foreign_keys=[closed_by_id])
    signed_off_by = relationship("Staff", foreign_keys=[signed_off_by_id])

    __table_args__ = (
        Index("ix_shifts_staff_id_opened_at", "staff_id", "opened_at"),
        Index(
            "uq_shifts_one_open_per_staff", "staff_id", unique=True,
            postgresql_where=db.text("closed_at IS NULL"), sqlite_where=db.text("closed_at IS NULL"),
        ),
    )

    @property
    def is_open(self):
        return self.closed_at is None
