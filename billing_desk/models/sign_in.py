from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow


class SignInPause(db.Model):
    """Failed sign-ins of one account from one address, and the pause they caused there.

    Keyed on account *and* address, so wrong passwords typed elsewhere never shut a cashier out of their
    own desk; see `auth.lockout`.
    """

    __tablename__ = "sign_in_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique (staff_id, address) constraint serves lookups by account.
    staff_id: Mapped[int] = mapped_column(db.ForeignKey("staff.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(db.String(64))
    failures: Mapped[int] = mapped_column(default=0)
    paused_until: Mapped[datetime | None] = mapped_column(db.DateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("staff_id", "address", name="uq_sign_in_pauses_staff_id_address"),)
