from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing_desk.extensions import db
from billing_desk.timeutil import utcnow

# "deposit": paid from money left on the patient's account (`billing_desk.accounts`).
CHANNELS = ("cash", "transfer", "card_terminal", "online", "deposit")
# The channels in words, for every page, email, PDF and report (templates use the `channel_label` filter).
# The last two are not payment channels: the Z report's rows for deposits taken into patients' accounts.
CHANNEL_LABELS = {
    "cash": "Cash",
    "transfer": "Bank transfer",
    "card_terminal": "Card (terminal)",
    "online": "Card (online)",
    "deposit": "From deposit",
    "deposits_cash": "Deposits taken in cash",
    "deposits_transfer": "Deposits taken by bank transfer",
}


def channel_label(channel):
    return CHANNEL_LABELS.get(channel, channel)


class Payment(db.Model):
    """Money received against an invoice, whatever the channel.

    `paystack_reference` is unique so a Paystack transaction can only ever be recorded once;
    `submission_key` is unique so a double-clicked desk form records one payment.
    """

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(db.ForeignKey("invoices.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(db.BigInteger)
    currency: Mapped[str] = mapped_column(db.String(3))
    channel: Mapped[str] = mapped_column(db.String(20), index=True)
    reference: Mapped[str | None] = mapped_column(db.String(100))
    paystack_reference: Mapped[str | None] = mapped_column(db.String(100), unique=True)
    tendered_minor: Mapped[int | None] = mapped_column(db.BigInteger)
    change_minor: Mapped[int | None] = mapped_column(db.BigInteger)
    received_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("staff.id"), index=True)
    paid_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime, default=utcnow)
    submission_key: Mapped[str | None] = mapped_column(db.String(64), unique=True)
    receipt_print_count: Mapped[int] = mapped_column(default=0)
    terminal_id: Mapped[int | None] = mapped_column(db.ForeignKey("terminals.id"), index=True)
    # The cashier shift the money was taken in (stamped by `record_payment`; see `billing_desk.shifts`).
    shift_id: Mapped[int | None] = mapped_column(db.ForeignKey("shifts.id"), index=True)

    invoice = relationship("Invoice", back_populates="payments")
    received_by = relationship("Staff")
