"""Refund and review forms; amounts are typed in major units and parsed with `money.parse_amount`."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from billing_desk.approvals.forms import SupervisorSignOff
from billing_desk.forms import at_most

from billing_desk.billing.money import InvalidAmount, parse_amount
from billing_desk.billing.refunds import CARD, CASH

MAX_REASON = 500
METHOD_LABELS = {CARD: "Back to the card (through Paystack)", CASH: "Cash at the desk"}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class RefundForm(SupervisorSignOff, FlaskForm):
    amount = StringField("Amount to refund", filters=[_strip], validators=[DataRequired("Enter an amount.")])
    method = RadioField("How", choices=[], invalid_choice_message="Pick how the money goes back.")
    reason = TextAreaField(
        "Reason", filters=[_strip],
        validators=[DataRequired("Give a reason for the refund."), at_most(MAX_REASON)],
    )
    submission_key = HiddenField()
    submit = SubmitField("Refund")

    def __init__(self, *args, methods=(CASH,), **kwargs):
        super().__init__(*args, **kwargs)
        self.method.choices = [(m, METHOD_LABELS[m]) for m in methods]
        if not self.method.data:
            self.method.data = methods[0]

    def validate_amount(self, field):
        try:
            self.amount_minor = parse_amount(field.data)
        except InvalidAmount as problem:
            raise ValidationError(str(problem)) from None


class ResolveReviewForm(FlaskForm):
    note = TextAreaField(
        "What was done", filters=[_strip],
        validators=[DataRequired("Say how this was resolved."), at_most(2000)],
    )
    submit = SubmitField("Mark resolved")
