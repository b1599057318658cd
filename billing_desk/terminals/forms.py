"""Terminal forms: an administrator's edit of one terminal, and the cashier's "Charge on terminal"."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Optional, ValidationError

from billing_desk.forms import SubmissionKeyField, at_most, strip


class TerminalForm(FlaskForm):
    """One terminal's row on the Terminals page; a prefix per terminal keeps the field ids unique."""

    name = StringField("Name", filters=[strip], validators=[DataRequired("Give the terminal a name."), at_most(80)])
    desk = StringField("Desk", filters=[strip], validators=[Optional(), at_most(80)])
    active = BooleanField("In use (cashiers can charge on it)")

    @classmethod
    def for_terminal(cls, terminal, formdata=None):
        return cls(formdata=formdata, obj=None if formdata else terminal, prefix=f"terminal-{terminal.id}")


def _terminal_id(value):
    """A posted terminal id, or None for anything that is not one (shown as a field error, never a 500)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def terminal_label(terminal):
    """How a cashier recognises a terminal: its name, its desk, and the id printed on the device."""
    desk = f" — {terminal.desk}" if terminal.desk else ""
    return f"{terminal.name}{desk} ({terminal.terminal_id})"


class ChargeForm(FlaskForm):
    """Which terminal the patient pays on. `submission_key` makes a double click open the first push."""

    terminal = SelectField("Terminal", coerce=_terminal_id, validate_choice=False)
    submission_key = SubmissionKeyField()

    def __init__(self, *args, terminals=(), **kwargs):
        # The prefix keeps the ids unique on the invoice page, which carries other forms' hidden fields too.
        super().__init__(*args, prefix="charge", **kwargs)
        self.terminal.choices = [(t.id, terminal_label(t)) for t in terminals]

    def validate_terminal(self, field):
        """Our own message instead of WTForms' "Not a valid choice" (also for ids that are not numbers)."""
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError("Pick one of the terminals in use.")


class StopWaitingForm(FlaskForm):
    """The waiting screen's "stop waiting" button: nothing to fill in, only the CSRF token."""

    def __init__(self, *args, **kwargs):
        # The prefix keeps the token's id apart from the other forms' on the waiting screen.
        super().__init__(*args, prefix="stop", **kwargs)
