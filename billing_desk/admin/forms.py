"""Forms of the admin area: staff accounts (POST, with CSRF) and the audit log's filters (GET)."""
import uuid
from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    Form,
    PasswordField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from billing_desk.forms import DayField, SubmissionKeyField, at_most, fits, strip
from billing_desk.models.staff import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, ROLE_LABELS, ROLES, Staff

AUDIT_LOG_START = date(2000, 1, 1)  # no audit entry can be older
ROLE_CHOICES = [SelectChoice(role, ROLE_LABELS[role]) for role in ROLES]
PASSWORD_HINT = f"At least {MIN_PASSWORD_LENGTH} characters. Tell the person in private; they cannot see it here."


def _password_fields():
    password = PasswordField("Password", validators=[
        DataRequired("Enter a password."),
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
               message=f"Use {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters."),
    ])
    confirm = PasswordField("Repeat the password", validators=[
        DataRequired("Type the password again."), EqualTo("password", "The two passwords are not the same."),
    ])
    return password, confirm


class StaffEditForm(FlaskForm):
    full_name = StringField("Full name", filters=[strip],
                            validators=[DataRequired("Enter the person's name."), fits(Staff.full_name)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="cashier",
                       invalid_choice_message="Pick a role from the list.")


class NewStaffForm(StaffEditForm):
    # A double-clicked "Add staff" finds the account it made instead of failing on the taken email.
    submission_key = SubmissionKeyField(default=lambda: str(uuid.uuid4()), required=True)
    email = EmailField("Email", filters=[strip], validators=[
        DataRequired("Enter the email address they sign in with."),
        Email("Enter an email address like name@hospital.org."), fits(Staff.email),
    ])
    password, confirm = _password_fields()


class PasswordResetForm(FlaskForm):
    password, confirm = _password_fields()


class ConfirmForm(FlaskForm):
    """CSRF only, for the one-button actions (deactivate, reactivate, unlock): the account is in the URL."""


class AuditFilterForm(Form):
    """The audit log's filters, read from the query string. Lookups by number or MRN happen in the view."""

    invoice = SearchField("Invoice", filters=[strip], validators=[at_most(40)],
                          description="Invoice number (INV-2026-000123) or id")
    patient = SearchField("Patient", filters=[strip], validators=[at_most(40)],
                          description="Hospital number (MRN) or patient id")
    actor = SelectField("Staff member", choices=[], default="",
                        invalid_choice_message="Pick a staff member from the list.")
    action = SelectField("What happened", choices=[], default="",
                         invalid_choice_message="Pick what happened from the list.")
    date_from = DayField("From", validators=[Optional()], earliest=AUDIT_LOG_START,
                         description="First day, on the hospital's calendar.")
    date_to = DayField("To", validators=[Optional()], earliest=AUDIT_LOG_START, description="Last day, included.")

    def __init__(self, formdata, *, staff, action_labels):
        super().__init__(formdata)
        self.actor.choices = [SelectChoice("", "Anyone"), SelectChoice("system", "The system (no staff member)")] + [
            SelectChoice(str(member.id), f"{member.full_name} ({member.email})") for member in staff
        ]
        self.action.choices = [SelectChoice("", "Anything")] + [
            SelectChoice(action, label) for action, label in sorted(action_labels.items(), key=lambda item: item[1])
        ]

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The “to” date is before the “from” date.")
