"""The supervisor's sign-off fields, added to every form of a guarded action, and the queue's decision form."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired

from billing_desk.forms import at_most


class SupervisorSignOff:
    """Mixed into a guarded action's form: a supervisor signs there with their own credentials, or the fields
    are left blank and the action waits in the approvals queue."""

    supervisor_email = StringField("Supervisor's email", filters=[lambda v: v.strip() if isinstance(v, str) else v],
                                   validators=[at_most(254)], render_kw={"autocomplete": "off"})
    supervisor_password = PasswordField("Supervisor's password", validators=[at_most(200)],
                                        render_kw={"autocomplete": "off"})

    def sign_off(self):
        return {"supervisor_email": self.supervisor_email.data, "supervisor_password": self.supervisor_password.data}


class DecisionForm(FlaskForm):
    note = TextAreaField("Note", filters=[lambda v: v.strip() if isinstance(v, str) else v],
                         validators=[at_most(1000)])


class RejectForm(FlaskForm):
    note = TextAreaField("Why it is rejected", filters=[lambda v: v.strip() if isinstance(v, str) else v],
                         validators=[DataRequired("Say why the request is rejected."), at_most(1000)])
