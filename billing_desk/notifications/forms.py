"""Forms of the email pages: "Send invoice" (POST), the Email log's filters (GET) and resend (POST)."""
from flask_wtf import FlaskForm
from wtforms import Form, SearchField, SelectChoice, SelectField
from wtforms.validators import Optional, ValidationError

from billing_desk.forms import DayField, SubmissionKeyField, at_most, strip

from billing_desk.models.outbox import KINDS
from billing_desk.notifications.outbox import KIND_LABELS

STATUS_CHOICES = [
    SelectChoice("", "Any status"),
    SelectChoice("queued", "Waiting to be sent"),
    SelectChoice("sending", "Being sent"),
    SelectChoice("sent", "Sent"),
    SelectChoice("failed", "Failed or retrying"),
    SelectChoice("gave_up", "Given up: resend by hand"),
    SelectChoice("skipped", "Not sent (skipped)"),
]


class SendInvoiceForm(FlaskForm):
    # A double-clicked "Send invoice" finds the first email instead of sending a second one.
    submission_key = SubmissionKeyField()


class ResendForm(FlaskForm):
    """CSRF only: which email is in the URL."""


class EmailLogFilterForm(Form):
    q = SearchField("Recipient or invoice number", filters=[strip], validators=[at_most(120)])
    status = SelectField("Status", choices=STATUS_CHOICES, default="", invalid_choice_message="Pick a status from the list.")
    kind = SelectField("Kind", choices=[SelectChoice("", "Any kind"), *(SelectChoice(kind, KIND_LABELS[kind]) for kind in KINDS)], default="",
                       invalid_choice_message="Pick a kind from the list.")
    created_from = DayField("Queued from", validators=[Optional()])
    created_to = DayField("Queued to", validators=[Optional()])

    def validate_created_to(self, field):
        if field.data and self.created_from.data and field.data < self.created_from.data:
            raise ValidationError("The end date is before the start date.")
