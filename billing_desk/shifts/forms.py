"""Shift forms: they turn typed text into minor units and note counts; the rules live in `shifts.service`."""
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional, ValidationError

from billing_desk.billing.money import CURRENCIES, DEFAULT_CURRENCY, InvalidAmount, parse_amount
from billing_desk.bounds import parse_id
from billing_desk.forms import CURRENCY_MESSAGE, DayField, SubmissionKeyField, WholeNumberField, at_most, strip
from billing_desk.shifts.service import DENOMINATIONS, counted_from_notes

MAX_REASON = 1000
MAX_NOTES_OF_ONE_KIND = 100_000


class OpenShiftForm(FlaskForm):
    submission_key = SubmissionKeyField()
    opening_float = StringField(
        "Opening float (cash in the drawer now)", filters=[strip], render_kw={"inputmode": "decimal"}
    )
    currency = SelectField("Currency", choices=[SelectChoice(c) for c in CURRENCIES], default=DEFAULT_CURRENCY,
                           invalid_choice_message=CURRENCY_MESSAGE)

    def validate_opening_float(self, field):
        try:
            self.opening_float_minor = parse_amount(field.data, allow_zero=True)
        except InvalidAmount as problem:
            raise ValidationError(str(problem)) from None


class CloseShiftForm(FlaskForm):
    """The drawer count: a total, or notes by face value (added up here, on the server), or both if they agree.

    Note fields are named `notes_<face>` and added per currency by `close_form_for`.
    """

    submission_key = SubmissionKeyField()
    counted = StringField("Counted cash (total)", filters=[strip], render_kw={"inputmode": "decimal"})
    reason = TextAreaField(
        "Reason for any difference", filters=[strip], validators=[Optional(), at_most(MAX_REASON)]
    )

    def note_fields(self):
        return [field for name, field in self._fields.items() if name.startswith("notes_")]

    def note_counts(self):
        """{face value: count} of the note fields filled in."""
        return {int(field.name.removeprefix("notes_")): field.data for field in self.note_fields()
                if field.data is not None}

    def validate(self, extra_validators=None):
        """Work out `counted_minor` from the total, the notes, or both (which must then agree)."""
        if not super().validate(extra_validators):
            return False
        typed = None
        if self.counted.data:
            try:
                typed = parse_amount(self.counted.data, allow_zero=True)
            except InvalidAmount as problem:
                self.counted.errors.append(str(problem))
                return False
        notes = self.note_counts()
        from_notes = counted_from_notes(self.currency, notes) if notes else None
        if typed is None and from_notes is None:
            self.counted.errors.append("Enter the cash you counted, as a total or note by note.")
            return False
        if typed is not None and from_notes is not None and typed != from_notes:
            self.counted.errors.append(
                "The notes and the total do not agree. Leave the total empty to use the notes."
            )
            return False
        self.counted_minor = typed if typed is not None else from_notes
        self.denominations = notes or None
        return True


_FORM_CLASSES = {}


def close_form_class(currency):
    """The close form class with one "number of ₦1000 notes" field per note of `currency`, made once."""
    if currency not in _FORM_CLASSES:
        fields = {
            f"notes_{face}": WholeNumberField(
                f"Number of {face} notes", validators=[
                    Optional(), NumberRange(min=0, max=MAX_NOTES_OF_ONE_KIND, message="Enter a count from 0 up."),
                ], render_kw={"inputmode": "numeric"},
            )
            for face in DENOMINATIONS.get(currency, ())
        }
        _FORM_CLASSES[currency] = type(f"CloseShiftForm{currency}", (CloseShiftForm,), fields)
    return _FORM_CLASSES[currency]


def close_form_for(currency, **kwargs):
    form = close_form_class(currency)(**kwargs)
    form.currency = currency
    return form


class SignOffForm(FlaskForm):
    note = TextAreaField("Sign-off note (optional)", filters=[strip], validators=[Optional(), at_most(MAX_REASON)])


STATUS_FILTERS = [SelectChoice("", "Any status"), SelectChoice("open", "Open"),
                  SelectChoice("closed", "Closed, awaiting sign-off"), SelectChoice("signed_off", "Signed off")]


class ShiftFilterForm(FlaskForm):
    """The administrators' list filters (read from the query string, so no CSRF)."""

    class Meta:
        csrf = False

    cashier = SelectField("Cashier", choices=[], validate_choice=False)
    status = SelectField("Status", choices=STATUS_FILTERS, default="",
                         invalid_choice_message="Pick a status from the list.")
    opened_from = DayField("Opened from", validators=[Optional()])
    opened_to = DayField("Opened to", validators=[Optional()])

    def validate_cashier(self, field):
        if field.data and parse_id(field.data) is None:
            raise ValidationError("Pick a cashier from the list.")

