"""Forms of the administrators' pages: the statistics date range, the reconciliation day, job buttons."""
from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import Form, SelectChoice, SelectField
from wtforms.validators import InputRequired, Optional, ValidationError

from billing_desk.forms import DayField
from billing_desk.reports.stats import UNITS, Period
from billing_desk.timeutil import local_today

EARLIEST = date(2000, 1, 1)
MAX_DAYS = 3 * 366  # a longer range is a typo, and would make one query scan years of rows
MAX_DAILY_DAYS = 92  # more daily bars than this cannot be read
PRESETS = (
    SelectChoice("today", "Today"),
    SelectChoice("7d", "Last 7 days"),
    SelectChoice("30d", "Last 30 days"),
    SelectChoice("month", "This month"),
    SelectChoice("custom", "Custom dates (from – to)"),
)
DEFAULT_PRESET = "30d"


def preset_days(preset, today):
    """The first and last day of a named range ending today."""
    return {
        "today": (today, today),
        "7d": (today - timedelta(days=6), today),
        "30d": (today - timedelta(days=29), today),
        "month": (today.replace(day=1), today),
    }[preset]


def automatic_unit(days):
    if days <= 31:
        return "day"
    return "week" if days <= 184 else "month"


class RangeForm(Form):
    """The statistics page's range (GET, so no CSRF). Bad ranges become field errors, never a 500."""

    range = SelectField("Period", choices=PRESETS, default=DEFAULT_PRESET,
                        invalid_choice_message="Pick a period from the list.")
    date_from = DayField("From", validators=[Optional()])
    date_to = DayField("To", validators=[Optional()])
    unit = SelectField("Bars per", choices=[SelectChoice("", "Automatic")] + [SelectChoice(u, u.capitalize())
                                                                              for u in UNITS],
                       default="", invalid_choice_message="Pick days, weeks or months.")

    def __init__(self, formdata, today=None):
        super().__init__(formdata)
        self.today = today or local_today()
        self.period = None

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if self.range.data == "custom":
            first, last = self._custom_days()
            if first is None:
                return False
        else:
            first, last = preset_days(self.range.data, self.today)
        days = (last - first).days + 1
        unit = self.unit.data or automatic_unit(days)
        if unit == "day" and days > MAX_DAILY_DAYS:
            self.unit.errors.append(f"Daily bars need a range of {MAX_DAILY_DAYS} days or less; pick weeks or months.")
            return False
        self.period = Period(first, last, unit, today=self.today)
        return True

    def _custom_days(self):
        first, last = self.date_from.data, self.date_to.data
        if first is None:
            self.date_from.errors.append("Enter the first day of the range.")
        if last is None:
            self.date_to.errors.append("Enter the last day of the range.")
        if first is None or last is None:
            return None, None
        if first > last:
            self.date_to.errors.append("The last day must be on or after the first day.")
        elif first < EARLIEST:
            self.date_from.errors.append(f"Pick a day from {EARLIEST:%d %b %Y} on.")
        elif last > self.today:
            self.date_to.errors.append("The last day cannot be in the future.")
        elif (last - first).days + 1 > MAX_DAYS:
            self.date_from.errors.append(f"Pick a range of at most {MAX_DAYS} days.")
        else:
            return first, last
        return None, None

    def query_args(self):
        """The range as URL arguments, for the CSV links (so a download has the same filters)."""
        args = {"range": self.range.data}
        if self.range.data == "custom":
            args.update(date_from=self.date_from.data.isoformat(), date_to=self.date_to.data.isoformat())
        if self.unit.data:
            args["unit"] = self.unit.data
        return args


class ReconcileForm(FlaskForm):
    day = DayField("Day", validators=[InputRequired("Pick the day to reconcile.")])

    def validate_day(self, field):
        if field.data is None:  # typed but not a date: the field's own error says so
            return
        if field.data > local_today():
            raise ValidationError("The day cannot be in the future.")
        if field.data < EARLIEST:
            raise ValidationError(f"Pick a day from {EARLIEST:%d %b %Y} on.")


class JobActionForm(FlaskForm):
    """Retry or delete one failed job: no fields, the CSRF token is the point."""
