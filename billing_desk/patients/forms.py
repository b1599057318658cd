"""Patient registration and edit forms: every check the server makes, with messages fit for the desk."""
import uuid
from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Optional, Regexp, ValidationError

from billing_desk.forms import DayField, SubmissionKeyField, at_most, fits, strip
from billing_desk.models.patient import SEXES, Patient
from billing_desk.patients.phones import InvalidPhone, normalise_phone
from billing_desk.patients.service import GENERATED_MRN, MRN_PATTERN
from billing_desk.timeutil import local_today

MAX_AGE_YEARS = 130
SEX_LABELS = {"female": "Female", "male": "Male", "other": "Other", "unknown": "Not known"}


def upper(value):
    return value.upper() if isinstance(value, str) else value


def blank_to_none(value):
    return value or None


class PatientForm(FlaskForm):
    first_name = StringField("First name", filters=[strip],
                             validators=[DataRequired("Enter the first name."), fits(Patient.first_name)])
    last_name = StringField("Last name (surname)", filters=[strip],
                            validators=[DataRequired("Enter the last name."), fits(Patient.last_name)])
    sex = SelectField("Sex", choices=[SelectChoice("", "Choose…"), *(SelectChoice(s, SEX_LABELS[s]) for s in SEXES)],
                      validators=[DataRequired("Choose the sex (or “Not known”).")],
                      invalid_choice_message="Choose the sex from the list (or “Not known”).")
    # Any past day: `validate_date_of_birth` explains what is wrong with a very old one.
    date_of_birth = DayField("Date of birth", validators=[Optional()], earliest=date.min)
    phone = StringField("Phone", filters=[strip], validators=[Optional(), at_most(30)],
                        render_kw={"type": "tel", "autocomplete": "off", "inputmode": "tel"})
    email = EmailField("Email (optional)", filters=[strip, blank_to_none], validators=[
        Optional(), fits(Patient.email), Email("Enter a valid email address, e.g. name@example.com."),
    ])
    address = TextAreaField("Address", filters=[strip, blank_to_none], validators=[Optional(), at_most(500)])
    mrn = StringField("Hospital number (MRN)", filters=[strip, upper],
                      validators=[Optional(), Regexp(MRN_PATTERN, message=(
                          "Use 3–20 letters, digits, '-' or '/', starting with a letter or digit."))])
    confirm_duplicate = BooleanField("Save anyway — this is a different person")

    # The MRN this patient already has (edit), which may keep the generated format.
    current_mrn = None

    def validate_date_of_birth(self, field):
        if field.data is None:
            return
        today, born = local_today(), field.data
        if born > today:
            raise ValidationError("The date of birth cannot be in the future.")
        if today.year - born.year - ((today.month, today.day) < (born.month, born.day)) > MAX_AGE_YEARS:
            raise ValidationError(f"Check the date of birth: that is more than {MAX_AGE_YEARS} years ago.")

    def validate_phone(self, field):
        try:
            normalise_phone(field.data)
        except InvalidPhone as invalid:
            raise ValidationError(str(invalid)) from None

    def validate_mrn(self, field):
        if field.data and field.data != self.current_mrn and GENERATED_MRN.match(field.data):
            raise ValidationError("Numbers like H0000123 are given out by the desk; leave it blank to get one.")

    def details(self):
        """The validated values, in the shape `service.register_patient` and `update_patient` take."""
        return {
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "sex": self.sex.data,
            "date_of_birth": self.date_of_birth.data,
            "phone": normalise_phone(self.phone.data),
            "email": self.email.data,
            "address": self.address.data,
            "mrn": self.mrn.data or None,
        }


class NewPatientForm(PatientForm):
    submission_key = SubmissionKeyField(default=lambda: str(uuid.uuid4()), required=True)
