from datetime import datetime

from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow

ROLES = ("cashier", "admin")


class Staff(UserMixin, db.Model):
    """A person who signs in: a cashier at a desk or an administrator."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(db.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(db.String(120))
    role: Mapped[str] = mapped_column(db.String(16), default="cashier")
    password_hash: Mapped[str] = mapped_column(db.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(db.DateTime)
    default_terminal_id: Mapped[int | None] = mapped_column(db.ForeignKey("terminals.id", use_alter=True))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)

    @property
    def is_active(self):
        return self.active

    @property
    def is_admin(self):
        return self.role == "admin"

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def __repr__(self):
        return f"<Staff {self.email} {self.role}>"
