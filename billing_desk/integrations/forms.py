"""Admin forms for integrations: a new API key, a new webhook subscription, and one-button actions."""
from datetime import datetime, time

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, StringField, URLField
from wtforms.validators import URL, DataRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from billing_desk.forms import DayField, at_most, strip
from billing_desk.integrations.outbox import EVENTS
from billing_desk.models.integration import SCOPES
from billing_desk.timeutil import local_today

SCOPE_WORDS = {"read": "Read — look up patients, invoices, payments", "write": "Write — create patients and invoices, issue, void"}


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NewKeyForm(FlaskForm):
    name = StringField("Integration name", filters=[strip],
                       validators=[DataRequired("Name the system that will use the key."), at_most(80)])
    scopes = CheckboxesField("Scopes", choices=[SelectChoice(s, SCOPE_WORDS[s]) for s in SCOPES],
                             validators=[DataRequired("Give the key at least one scope.")],
                             invalid_choice_message="Tick only the scopes shown.")
    expires_on = DayField("Expires on (optional)", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        # Prefixed: the Integrations page carries two forms, and their fields' ids must not collide.
        super().__init__(*args, prefix="key", **kwargs)

    def validate_expires_on(self, field):
        if field.data is not None and field.data <= local_today():
            raise ValidationError("The expiry must be a day after today.")

    def expires_at(self):
        return datetime.combine(self.expires_on.data, time.min) if self.expires_on.data else None


class NewSubscriptionForm(FlaskForm):
    name = StringField("Integration name", filters=[strip],
                       validators=[DataRequired("Name the system that receives the events."), at_most(80)])
    url = URLField("Receiving URL", filters=[strip], validators=[
        DataRequired("Enter the URL the events are sent to."), at_most(500),
        URL(require_tld=False, message="Enter a full http:// or https:// URL."),
    ])
    events = CheckboxesField("Events", choices=[SelectChoice(name, name) for name in EVENTS],
                             validators=[DataRequired("Pick at least one event.")],
                             invalid_choice_message="Tick only the events shown.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="hook", **kwargs)

    def validate_url(self, field):
        if not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError("Enter a full http:// or https:// URL.")


class ActionForm(FlaskForm):
    """CSRF only, for one-button actions (revoke, pause, replay): what they act on is in the URL."""
