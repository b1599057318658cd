"""Account forms: take a deposit, pay an invoice from the account, refund what is left.

They turn typed text into minor units and choices; whether the account or invoice can take it is decided by
`accounts.ledger` and `accounts.deposits`.
"""
import uuid

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional, Regexp

from billing_desk.approvals.forms import SupervisorSignOff
from billing_desk.billing.money import CURRENCIES, DEFAULT_CURRENCY, InvalidAmount, parse_amount
from billing_desk.forms import CURRENCY_MESSAGE, FORM_OUT_OF_DATE, at_most, strip
from billing_desk.models.payment import CHANNEL_LABELS

MAX_REFERENCE = 100
MAX_REASON = 500
CHANNEL_CHOICES = [SelectChoice(c, CHANNEL_LABELS[c]) for c in ("cash", "transfer")]


class AmountForm(FlaskForm):
    """An amount in major units (parsed into `amount_minor`) and a submission key against double clicks.

    Each form names its fields with its own `PREFIX` ("deposit-amount", …): these forms share pages with
    other forms (the account page has two, the invoice page has the desk payment form), so ids stay unique.
    """

    PREFIX = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.PREFIX)
        super().__init__(*args, **kwargs)

    amount = StringField("Amount", filters=[strip], render_kw={"inputmode": "decimal", "autocomplete": "off"})
    submission_key = HiddenField(validators=[Optional(), Regexp(r"^[0-9a-f]{32}$", message=FORM_OUT_OF_DATE)])

    @classmethod
    def fresh(cls, **defaults):
        form = cls(formdata=None, **defaults)
        form.submission_key.data = uuid.uuid4().hex
        return form

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        try:
            self.amount_minor = parse_amount(self.amount.data)
        except InvalidAmount as problem:
            self.amount_minor = None
            self.amount.errors.append(str(problem))
        if self.submission_key.errors:  # a hidden field's error would show nowhere
            self.form_errors.append(FORM_OUT_OF_DATE)
        return valid and not any(field.errors for field in self)

    def refuse(self, message):
        self.form_errors.append(message)


class DepositForm(AmountForm):
    PREFIX = "deposit"
    currency = SelectField("Currency", choices=[SelectChoice(c) for c in CURRENCIES], default=DEFAULT_CURRENCY,
                           invalid_choice_message=CURRENCY_MESSAGE)
    channel = RadioField("Paid by", choices=CHANNEL_CHOICES, default="cash",
                         validators=[InputRequired("Choose cash or bank transfer.")],
                         invalid_choice_message="Choose cash or bank transfer.")
    reference = StringField("Transfer reference (bank transfer only)", filters=[strip],
                            validators=[at_most(MAX_REFERENCE)], render_kw={"autocomplete": "off"})


class ApplyDepositForm(AmountForm):
    PREFIX = "from_deposit"


class AccountRefundForm(SupervisorSignOff, DepositForm):
    PREFIX = "refund"
    channel = RadioField("Give back as", choices=CHANNEL_CHOICES, default="cash",
                         validators=[InputRequired("Choose cash or bank transfer.")],
                         invalid_choice_message="Choose cash or bank transfer.")
    reference = StringField("Transfer reference (bank transfer only)", filters=[strip],
                            validators=[at_most(MAX_REFERENCE)], render_kw={"autocomplete": "off"})
    reason = TextAreaField("Reason", filters=[strip],
                           validators=[InputRequired("Give a reason for the refund."), at_most(MAX_REASON)])
