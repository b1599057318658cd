"""Invoice forms. They turn typed text into domain inputs; the rules themselves live in `billing.invoices`."""
import re

from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional

from billing_desk.billing.invoices import MAX_DESCRIPTION, MAX_LINES, MAX_NOTES, MAX_VOID_REASON, LineInput
from billing_desk.billing.money import (
    CURRENCIES,
    DEFAULT_CURRENCY,
    InvalidAmount,
    format_money,
    parse_amount,
    to_major_text,
)
from billing_desk.billing.states import LABELS
from billing_desk.approvals.forms import SupervisorSignOff
from billing_desk.forms import CURRENCY_MESSAGE, DayField, SubmissionKeyField, at_most, strip

BLANK_ROWS_ON_NEW = 3
_WHOLE_NUMBER = re.compile(r"\d{1,9}")


class LineForm(Form):
    """One row of the line editor. A row left completely empty is ignored."""

    service = SelectField("Service", choices=[], validate_choice=False)
    description = StringField("Description", filters=[strip], validators=[at_most(MAX_DESCRIPTION)])
    quantity = StringField("Quantity", default="1", filters=[strip], render_kw={"inputmode": "numeric"})
    unit_price = StringField("Unit price", filters=[strip], render_kw={"inputmode": "decimal"})
    discount = StringField("Line discount", filters=[strip], render_kw={"inputmode": "decimal"})

    def is_blank(self):
        return not any((self.service.data, self.description.data, self.unit_price.data, self.discount.data))

    def to_input(self):
        """The row as a `LineInput`, or None with the reasons put on the row's fields."""
        service_id = quantity = unit_price = None
        discount = 0
        if self.service.data:
            if _WHOLE_NUMBER.fullmatch(self.service.data):
                service_id = int(self.service.data)
            else:
                self.service.errors.append("Pick a service from the list.")
        if _WHOLE_NUMBER.fullmatch(self.quantity.data or ""):
            quantity = int(self.quantity.data)
        else:
            self.quantity.errors.append("Enter a whole number of items, e.g. 1 or 3.")
        if self.unit_price.data:
            unit_price = _amount(self.unit_price)
        if self.discount.data:
            discount = _amount(self.discount, allow_zero=True)
        if any(field.errors for field in self):
            return None
        return LineInput(self.description.data or "", quantity, unit_price, discount, service_id)


def _amount(field, allow_zero=False):
    try:
        return parse_amount(field.data, allow_zero=allow_zero)
    except InvalidAmount as problem:
        field.errors.append(str(problem))
        return None


class InvoiceForm(FlaskForm):
    """The draft editor: details, a fixed set of line rows, and "Add another line" (which saves nothing)."""

    submission_key = SubmissionKeyField()
    currency = SelectField("Currency", choices=[SelectChoice(c) for c in CURRENCIES], default=DEFAULT_CURRENCY,
                           invalid_choice_message=CURRENCY_MESSAGE)
    due_date = DayField("Due date", validators=[Optional()])
    # No max_entries: WTForms would drop rows beyond it silently; the domain refuses too many lines instead.
    lines = FieldList(FormField(LineForm), min_entries=1)
    invoice_discount = StringField("Invoice discount", filters=[strip], render_kw={"inputmode": "decimal"})
    notes = TextAreaField("Notes", filters=[strip], validators=[at_most(MAX_NOTES)])
    add_line = SubmitField("Add another line")
    save = SubmitField("Save draft")

    def validate(self, extra_validators=None):
        """Fields first, then each row becomes a `LineInput` (`self.line_inputs`, rows in `self.line_rows`)."""
        valid = super().validate(extra_validators)
        self.line_rows = [row.form for row in self.lines if not row.form.is_blank()]
        self.line_inputs = [row.to_input() for row in self.line_rows]
        self.invoice_discount_minor = 0
        if self.invoice_discount.data:
            self.invoice_discount_minor = _amount(self.invoice_discount, allow_zero=True)
        if not self.line_rows:
            self.form_errors.append("Add at least one line.")
        parsed = None not in self.line_inputs and self.invoice_discount_minor is not None
        return valid and parsed and not self.form_errors

    def can_add_line(self):
        return len(self.lines) < MAX_LINES

    def set_service_choices(self, services):
        """Offer `services` (active, in the invoice's currency) in every row's service select."""
        choices = service_choices(services)
        for row in self.lines:
            row.form.service.choices = choices

    def show_refusal(self, refused):
        """Put an `InvoiceRefused`'s problems next to the fields they are about; other refusals on the form."""
        if not refused.problems:
            self.form_errors.append(str(refused))
        for problem in refused.problems:
            if problem.line is not None:
                target = getattr(self.line_rows[problem.line], problem.field, None)
            else:
                target = None if problem.field == "lines" else self._fields.get(problem.field)
            if target is None:
                self.form_errors.append(problem.message)
            else:
                target.errors.append(problem.message)


def service_choices(services):
    """The service select's options; each carries its price (minor units) for the browser's live totals."""
    return [SelectChoice("", "— Free text (no service) —")] + [
        SelectChoice(str(s.id), f"{s.code} — {s.name} ({format_money(s.unit_price_minor, s.currency)})",
                     render_kw={"data-price-minor": str(s.unit_price_minor)}, optgroup=s.department)
        for s in services
    ]


def invoice_form_data(invoice):
    """The stored draft as form data for the editor, with one blank row to add a line."""
    lines = [
        {
            "service": str(line.service_id or ""),
            "description": line.description,
            "quantity": str(line.quantity),
            "unit_price": to_major_text(line.unit_price_minor),
            "discount": to_major_text(line.discount_minor) if line.discount_minor else "",
        }
        for line in invoice.lines
    ]
    return {
        "currency": invoice.currency,
        "due_date": invoice.due_date,
        "lines": [*lines, {}],
        "invoice_discount": to_major_text(invoice.invoice_discount_minor) if invoice.invoice_discount_minor else "",
        "notes": invoice.notes or "",
    }


class VoidForm(SupervisorSignOff, FlaskForm):
    reason = TextAreaField("Reason for voiding", filters=[strip],
                           validators=[DataRequired("Give the reason for voiding."), at_most(MAX_VOID_REASON)])


class InvoiceFilterForm(Form):
    """The list's filters (GET, so no CSRF)."""

    q = SearchField("Number, patient name or hospital number", filters=[strip], validators=[at_most(80)])
    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Any status")] + [SelectChoice(s.value, label) for s, label in LABELS.items()],
        default="", invalid_choice_message="Pick a status from the list.",
    )
    created_from = DayField("Created from", validators=[Optional()])
    created_to = DayField("Created to", validators=[Optional()])
