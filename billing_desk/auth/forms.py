from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from billing_desk.forms import strip


class LoginForm(FlaskForm):
    # `autocomplete` lets a password manager fill the right fields (WCAG 1.3.5, "identify input purpose").
    email = EmailField("Email", filters=[strip], render_kw={"autocomplete": "username"}, validators=[
        DataRequired("Enter the email address you sign in with."),
        Email("Enter an email address like name@hospital.org."),
        Length(max=254, message="Use at most 254 characters."),
    ])
    password = PasswordField("Password", render_kw={"autocomplete": "current-password"}, validators=[
        DataRequired("Enter your password."), Length(max=200, message="Use at most 200 characters."),
    ])
    submit = SubmitField("Sign in")
