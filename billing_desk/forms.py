"""Form pieces whose error messages a cashier understands.

WTForms' own messages ("Not a valid date value.", "Field cannot be longer than 80 characters.") read like a
program talking; every form builds its dates, whole numbers and length limits from here instead, and
`tests/test_forms.py` checks that no validator is left with its default message.
"""
from wtforms import DateField, IntegerField
from wtforms.validators import Length

DATE_MESSAGE = "Enter the date as YYYY-MM-DD, e.g. 2026-01-31."
WHOLE_NUMBER_MESSAGE = "Enter a whole number, e.g. 3."
CURRENCY_MESSAGE = "Pick a currency from the list."
FORM_OUT_OF_DATE = "The form was out of date. Please reload the page and fill it in again."


class DayField(DateField):
    """A date typed as 2026-01-31 (what a date input sends), refused in words when it is not one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(DATE_MESSAGE) from None


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
