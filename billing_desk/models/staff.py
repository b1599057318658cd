from datetime import datetime

from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, validates
from werkzeug.security import check_password_hash, generate_password_hash

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow

ROLES = ("cashier", "supervisor", "admin")
ROLE_LABELS = {"cashier": "Cashier", "supervisor": "Supervisor", "admin": "Administrator"}
# Who may approve what another member of staff asked for (voids, refunds, large discounts, write-offs).
SUPERVISOR_ROLES = frozenset({"supervisor", "admin"})
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


class Staff(UserMixin, db.Model):
    """A person who signs in: a cashier at a desk or an administrator.

    The session cookie carries `get_id()` = "id:session_version"; bumping `session_version` (new password,
    deactivation) makes every session signed in before it stop working at its next request.
    """

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(db.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(db.String(120))
    role: Mapped[str] = mapped_column(db.String(16), default="cashier")
    password_hash: Mapped[str] = mapped_column(db.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    default_terminal_id: Mapped[int | None] = mapped_column(db.ForeignKey("terminals.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    # A double-clicked "Add staff" form finds the account it made instead of failing on the taken email.
    submission_key: Mapped[str | None] = mapped_column(db.String(64), unique=True)

    @validates("email")
    def _normalise_email(self, _key, email):
        """Stored lower-case, so the unique constraint is also case-insensitive."""
        return email.strip().lower()

    @property
    def is_active(self):
        return self.active

    @property
    def is_admin(self):
        return self.role == "admin"

    @property
    def is_supervisor(self):
        """Supervisors approve guarded actions; administrators are supervisors too."""
        return self.role in SUPERVISOR_ROLES

    @property
    def role_label(self):
        return ROLE_LABELS.get(self.role, self.role)

    def get_id(self):
        return f"{self.id}:{self.session_version or 1}"

    def end_sessions(self):
        """Sign this person out everywhere: sessions carrying the old version no longer load."""
        self.session_version = (self.session_version or 0) + 1

    def set_password(self, password):
        """A new password also ends every session signed in with the old one."""
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def __repr__(self):
        return f"<Staff {self.email} {self.role}>"
