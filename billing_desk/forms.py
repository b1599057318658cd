"""Form pieces whose error messages a cashier understands.

WTForms' own messages ("Not a valid date value.", "Field cannot be longer than 80 characters.") read like a
program talking; every form builds its dates, whole numbers and length limits from here instead, and
`tests/test_forms.py` checks that no validator is left with its default message.
"""
from wtforms import DateField, HiddenField, IntegerField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from billing_desk.bounds import EARLIEST_DAY, LATEST_DAY

DATE_MESSAGE = "Enter the date as YYYY-MM-DD, e.g. 2026-01-31."
WHOLE_NUMBER_MESSAGE = "Enter a whole number, e.g. 3."
CURRENCY_MESSAGE = "Pick a currency from the list."
FORM_OUT_OF_DATE = "The form was out of date. Please reload the page and fill it in again."
# What forms render (a uuid4, with or without dashes), within the 64 characters every submission_key column has.
SUBMISSION_KEY = r"^[A-Za-z0-9_-]{1,64}$"


class DayField(DateField):
    """A date typed as 2026-01-31 (what a date input sends), refused in words when it is not one.

    Days outside `earliest`–`latest` (by default `bounds.EARLIEST_DAY`–`LATEST_DAY`) are refused too:
    9999-12-31 is a valid date, but the day after it (which every "up to and including" filter needs) is not.
    """

    def __init__(self, label=None, validators=None, *, earliest=EARLIEST_DAY, latest=LATEST_DAY, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.earliest, self.latest = earliest, latest

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DATE_MESSAGE) from None
        if self.data is not None and not self.earliest <= self.data <= self.latest:
            self.data = None
            raise ValueError(f"Enter a date between the years {self.earliest.year} and {self.latest.year}.")


class WholeNumberField(IntegerField):
    """A count such as a number of notes, refused in words when it is not a whole number."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(WHOLE_NUMBER_MESSAGE) from None


def at_most(characters):
    """A length limit that says what to do: "Use at most 80 characters."."""
    return Length(max=characters, message=f"Use at most {characters} characters.")


def strip(value):
    """Trim typed text. (NUL characters and files sent as text never get this far: see `inputs.py`.)"""
    return value.strip() if isinstance(value, str) else value


def column_length(column):
    """The length of a `String(n)` column, e.g. `column_length(Patient.first_name)` → 80."""
    return column.property.columns[0].type.length


def fits(column):
    """`at_most` the length of `column`, so a form can never accept more than the database can store."""
    return at_most(column_length(column))


class SubmissionKeyField(HiddenField):
    """The hidden key of a form that must not be saved twice (a uuid4 made when the page was rendered).

    Anything else — a key too long for its 64-character column, or not a key at all — is refused as an
    out-of-date form before the view acts on it, so nothing (not even a Paystack call) starts with it.
    """

    def __init__(self, label=None, validators=None, *, required=False, **kwargs):
        first = DataRequired(FORM_OUT_OF_DATE) if required else Optional()
        validators = [first, Regexp(SUBMISSION_KEY, message=FORM_OUT_OF_DATE), *(validators or ())]
        super().__init__(label, validators, **kwargs)
