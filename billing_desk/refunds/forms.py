"""Refund and review forms; amounts are typed in major units and parsed with `money.parse_amount`."""
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from billing_desk.approvals.forms import SupervisorSignOff
from billing_desk.forms import SubmissionKeyField, at_most, strip

from billing_desk.billing.money import InvalidAmount, parse_amount
from billing_desk.billing.refunds import CARD, CASH
from billing_desk.paystack.review_actions import ACTIONS as REVIEW_ACTIONS

MAX_REASON = 500
METHOD_LABELS = {CARD: "Back to the card (through Paystack)", CASH: "Cash at the desk"}


class RefundForm(SupervisorSignOff, FlaskForm):
    amount = StringField("Amount to refund", filters=[strip], validators=[DataRequired("Enter an amount.")])
    method = RadioField("How", choices=[], invalid_choice_message="Pick how the money goes back.")
    reason = TextAreaField(
        "Reason", filters=[strip],
        validators=[DataRequired("Give a reason for the refund."), at_most(MAX_REASON)],
    )
    submission_key = SubmissionKeyField()
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
    action = RadioField("What to do", choices=[SelectChoice(a.name, a.label) for a in REVIEW_ACTIONS.values()],
                        default="close", invalid_choice_message="Pick what to do with this money.")
    note = TextAreaField(
        "What was done", filters=[strip],
        validators=[DataRequired("Say how this was resolved."), at_most(2000)],
    )
    submit = SubmitField("Mark resolved")
