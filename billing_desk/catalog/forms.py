"""Price-list and settings forms. Prices are typed in major units and kept as integer minor units."""
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Regexp, ValidationError

from billing_desk.billing.money import CURRENCIES, DEFAULT_CURRENCY, InvalidAmount, parse_amount, to_major_text
from billing_desk.forms import CURRENCY_MESSAGE, fits, strip
from billing_desk.models.catalog import Service


def upper(value):
    return value.upper() if isinstance(value, str) else value


class ServiceForm(FlaskForm):
    code = StringField("Code", filters=[strip, upper], validators=[
        DataRequired("Enter a code."),
        Regexp(r"^[A-Z0-9][A-Z0-9._-]{0,19}$", message="Use up to 20 letters, digits, '.', '_' or '-'."),
    ])
    name = StringField("Name", filters=[strip], validators=[DataRequired("Enter the name."), fits(Service.name)])
    department = StringField("Department", filters=[strip],
                             validators=[DataRequired("Enter the department."), fits(Service.department)],
                             render_kw={"list": "departments"})
    unit_price = StringField("Unit price", filters=[strip], render_kw={"inputmode": "decimal"})
    currency = SelectField("Currency", choices=[SelectChoice(c) for c in CURRENCIES], default=DEFAULT_CURRENCY,
                           invalid_choice_message=CURRENCY_MESSAGE)
    active = BooleanField("Active (cashiers can put it on invoices)", default=True)

    @classmethod
    def for_service(cls, service):
        """The edit form, with the stored price shown as typed ('7500.00')."""
        return cls(obj=service, unit_price=to_major_text(service.unit_price_minor))

    def validate_unit_price(self, field):
        try:
            parse_amount(field.data)
        except InvalidAmount as invalid:
            raise ValidationError(str(invalid)) from None

    def details(self):
        return {
            "code": self.code.data,
            "name": self.name.data,
            "department": self.department.data,
            "unit_price_minor": parse_amount(self.unit_price.data),
            "currency": self.currency.data,
            "active": self.active.data,
        }


def percent_to_basis_points(text):
    """'12.5' or '12.5%' → 1250; raises ValueError with a message for the person who typed it."""
    try:
        percent = Decimal((text or "").replace("%", "").strip())
    except InvalidOperation:
        raise ValueError("Enter a percentage, e.g. 10 or 12.5.") from None
    if not percent.is_finite() or percent.as_tuple().exponent < -2:
        raise ValueError("Enter a percentage with at most 2 decimal places, e.g. 10 or 12.5.")
    if not 0 <= percent <= 100:
        raise ValueError("Enter a percentage from 0 to 100.")
    return int(percent * 100)


def basis_points_to_percent(basis_points):
    """1250 → '12.5', the form the limit is typed back in."""
    return f"{Decimal(basis_points).scaleb(-2).normalize():f}"


class SettingsForm(FlaskForm):
    cashier_max_discount = StringField(
        "Maximum discount a cashier may give, in percent", filters=[strip], render_kw={"inputmode": "decimal"}
    )

    def validate_cashier_max_discount(self, field):
        try:
            percent_to_basis_points(field.data)
        except ValueError as invalid:
            raise ValidationError(str(invalid)) from None

    @property
    def basis_points(self):
        return percent_to_basis_points(self.cashier_max_discount.data)
