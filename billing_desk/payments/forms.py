"""The desk payment form: cash or bank transfer against an issued invoice.

It only turns typed text into `PaymentDetails`; whether the invoice can take the money (state, currency,
balance, tendered ≥ amount) is decided by `billing.payments.record_payment`.
"""
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired

from billing_desk.billing.money import InvalidAmount, parse_amount
from billing_desk.billing.payments import PaymentDetails
from billing_desk.forms import SubmissionKeyField, at_most, strip
from billing_desk.models.payment import CHANNEL_LABELS

CASH, TRANSFER = "cash", "transfer"
MAX_REFERENCE = 100  # Payment.reference


class DeskPaymentForm(FlaskForm):
    channel = RadioField("Paid by", choices=[SelectChoice(c, CHANNEL_LABELS[c]) for c in (CASH, TRANSFER)],
                         default=CASH,
                         validators=[InputRequired("Choose cash or bank transfer.")],
                         invalid_choice_message="Choose cash or bank transfer.")
    amount = StringField("Amount paid", filters=[strip], render_kw={
        "inputmode": "decimal", "autocomplete": "off", "data-shortcut": "a",
        "data-shortcut-label": "Go to the payment amount (filled in with the balance)"})
    tendered = StringField("Cash tendered (cash only)", filters=[strip],
                           render_kw={"inputmode": "decimal", "autocomplete": "off"})
    reference = StringField("Transfer reference (bank transfer only)", filters=[strip],
                            validators=[at_most(MAX_REFERENCE)], render_kw={"autocomplete": "off"})
    # A fresh uuid4 per rendered form, stored in the unique `Payment.submission_key`: a double-clicked
    # submit finds the payment the first click made.
    submission_key = SubmissionKeyField()

    def validate(self, extra_validators=None):
        """Fields first, then the amounts parsed into minor units (`self.amount_minor`, `self.tendered_minor`)."""
        valid = super().validate(extra_validators)
        self.amount_minor = _amount(self.amount)
        self.tendered_minor = None
        if self.channel.data == CASH and self.tendered.data:
            self.tendered_minor = _amount(self.tendered)
        if self.channel.data == TRANSFER and not self.reference.data:
            self.reference.errors.append("Enter the bank transfer's reference.")
        if self.submission_key.errors:  # a hidden field's error would show nowhere
            self.form_errors.append("The form was out of date. Please reload the page and try again.")
        return valid and not any(field.errors for field in self)

    def show_refusal(self, refused):
        """A `PaymentRefused` next to the field it is about (amount, tendered), else at the top of the form."""
        field = self._fields.get(refused.field) if refused.field else None
        (field.errors if field is not None else self.form_errors).append(str(refused))

    def details(self, *, currency, received_by_id):
        """The payment as the domain takes it. Cash tendered left blank means the exact amount was given."""
        return PaymentDetails(
            amount_minor=self.amount_minor,
            currency=currency,
            channel=self.channel.data,
            reference=self.reference.data if self.channel.data == TRANSFER else None,
            tendered_minor=self.tendered_minor,
            received_by_id=received_by_id,
            submission_key=self.submission_key.data or None,
        )


def _amount(field):
    try:
        return parse_amount(field.data)
    except InvalidAmount as problem:
        field.errors.append(str(problem))
        return None
