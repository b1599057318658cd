from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow


class Service(db.Model):
    """An entry of the hospital's price list. Invoice lines copy name and price, so edits never reach them."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(db.String(20), unique=True)
    name: Mapped[str] = mapped_column(db.String(120))
    department: Mapped[str] = mapped_column(db.String(80), index=True)
    unit_price_minor: Mapped[int] = mapped_column(db.BigInteger)
    currency: Mapped[str] = mapped_column(db.String(3), default="NGN")
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)


class AppSetting(db.Model):
    """A setting administrators change at run time (e.g. the cashier discount limit)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(db.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(db.String(255))

    @property
    def id(self):
        """Settings are keyed by name, not number: audit rows about them carry no entity id (the key is in
        their before/after)."""
        return None
