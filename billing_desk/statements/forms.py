"""The statement's period (a GET form: no CSRF, nothing is written) and the email form."""
import uuid
from datetime import timedelta

from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, SelectChoice, SelectField
from wtforms.validators import Optional, Regexp

from billing_desk.billing.money import CURRENCIES, DEFAULT_CURRENCY
from billing_desk.forms import CURRENCY_MESSAGE, FORM_OUT_OF_DATE, DayField
from billing_desk.timeutil import local_today

DEFAULT_DAYS = 90
MAX_DAYS = 3660


class PeriodForm(Form):
    first = DayField("From", validators=[Optional()])
    last = DayField("To", validators=[Optional()])
    currency = SelectField("Currency", choices=[SelectChoice(c) for c in CURRENCIES], default=DEFAULT_CURRENCY,
                           invalid_choice_message=CURRENCY_MESSAGE)

    def validate(self, extra_validators=None):
        """Fills in a missing end (today) and start (DEFAULT_DAYS before it); refuses a backwards period."""
        valid = super().validate(extra_validators)
        self.last.data = self.last.data or local_today()
        self.first.data = self.first.data or self.last.data - timedelta(days=DEFAULT_DAYS)
        if self.first.data > self.last.data:
            self.first.errors = [*self.first.errors, "The start must not be after the end."]
            valid = False
        elif (self.last.data - self.first.data).days > MAX_DAYS:
            self.first.errors = [*self.first.errors, "Choose a period of at most ten years."]
            valid = False
        return valid


class EmailStatementForm(PeriodForm, FlaskForm):
    submission_key = HiddenField(validators=[Optional(), Regexp(r"^[0-9a-f]{32}$", message=FORM_OUT_OF_DATE)])

    @classmethod
    def for_period(cls, period):
        form = cls(formdata=None, first=period.first.data, last=period.last.data, currency=period.currency.data)
        form.submission_key.data = uuid.uuid4().hex
        return form
