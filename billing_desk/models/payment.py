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
    # What Paystack says about the card, printed on the receipt; empty when it says nothing (terminal payments
    # often carry no card details).
    card_brand: Mapped[str | None] = mapped_column(db.String(20))
    card_last4: Mapped[str | None] = mapped_column(db.String(4))
    card_authorization: Mapped[str | None] = mapped_column(db.String(100))

    invoice = relationship("Invoice", back_populates="payments")
    received_by = relationship("Staff")

    def note_card(self, authorization):
        """Keep the card brand, last four digits and authorisation code from a Paystack `authorization` object.

        Only text values are kept (Paystack sends nulls and, on terminal payments, often nothing at all), cut to
        the columns' sizes; the last four must be four digits.
        """
        if not isinstance(authorization, dict):
            return

        def text(key, size):
            value = authorization.get(key)
            return value.strip()[:size] or None if isinstance(value, str) else None

        last4 = text("last4", 100)
        self.card_brand = text("brand", 20)
        self.card_last4 = last4 if last4 and len(last4) == 4 and last4.isdigit() else None
        self.card_authorization = text("authorization_code", 100)

    @property
    def card_words(self):
        """'Visa ending 4081', or None when Paystack gave neither brand nor last four."""
        if not (self.card_brand or self.card_last4):
            return None
        brand = (self.card_brand or "Card").title()
        return f"{brand} ending {self.card_last4}" if self.card_last4 else brand
