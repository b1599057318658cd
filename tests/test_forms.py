"""Every form speaks in words a cashier understands: no WTForms default message is left in a form."""
import importlib
import inspect

import pytest
from wtforms import DateField, IntegerField, SelectField
from wtforms.fields.core import UnboundField

from billing_desk.forms import DayField, WholeNumberField
from billing_desk.shifts.forms import close_form_class

FORM_MODULES = [f"billing_desk.{package}.forms" for package in (
    "admin", "auth", "catalog", "integrations", "invoices", "notifications", "patients", "payments", "refunds",
    "reports", "shifts", "terminals",
)]


def _form_classes():
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and any(isinstance(v, UnboundField) for v in vars(cls).values()):
                yield cls
    yield close_form_class("NGN")  # its note fields are made per currency


def _fields(cls):
    for klass in cls.__mro__:
        for name, value in vars(klass).items():
            if isinstance(value, UnboundField):
                yield f"{cls.__name__}.{name}", value


FIELDS = [item for cls in _form_classes() for item in _fields(cls)]


def test_the_forms_are_found():
    names = {name for name, _ in FIELDS}
    assert {"LoginForm.email", "InvoiceForm.due_date", "PatientForm.first_name", "DeskPaymentForm.reference"} <= names


@pytest.mark.parametrize(("name", "unbound"), FIELDS, ids=[name for name, _ in FIELDS])
def test_every_validator_has_its_own_message(name, unbound):
    for validator in unbound.kwargs.get("validators", ()):
        if hasattr(validator, "message"):
            assert validator.message, f"{name}: {type(validator).__name__} would show WTForms' default message"


@pytest.mark.parametrize(("name", "unbound"), FIELDS, ids=[name for name, _ in FIELDS])
def test_dates_and_counts_use_the_fields_with_clear_messages(name, unbound):
    if issubclass(unbound.field_class, DateField):
        assert issubclass(unbound.field_class, DayField), name
    if issubclass(unbound.field_class, IntegerField):
        assert issubclass(unbound.field_class, WholeNumberField), name


@pytest.mark.parametrize(("name", "unbound"), FIELDS, ids=[name for name, _ in FIELDS])
def test_lists_say_what_to_pick(name, unbound):
    if issubclass(unbound.field_class, SelectField) and unbound.kwargs.get("validate_choice", True):
        assert unbound.kwargs.get("invalid_choice_message"), f"{name} would say “Not a valid choice.”"


@pytest.mark.parametrize(("url", "args", "message"), [
    ("/invoices/", {"created_from": "31/01/2026"}, "Enter the date as YYYY-MM-DD, e.g. 2026-01-31."),
    ("/invoices/", {"q": "x" * 81}, "Use at most 80 characters."),
    ("/shifts/", {"opened_to": "yesterday"}, "Enter the date as YYYY-MM-DD, e.g. 2026-01-31."),
    ("/shifts/", {"status": "lost"}, "Pick a status from the list."),
    ("/admin/audit", {"invoice": "9" * 41}, "Use at most 40 characters."),
    ("/reports/statistics", {"range": "custom", "date_from": "1.3.2026", "date_to": "2026-03-31"},
     "Enter the date as YYYY-MM-DD, e.g. 2026-01-31."),
])
def test_filters_refuse_bad_input_in_words(admin_client, url, args, message):
    response = admin_client.get(url, query_string=args)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert "Not a valid" not in page and "Field cannot be longer" not in page


@pytest.mark.parametrize(("data", "message"), [
    ({"email": "", "password": "x"}, "Enter the email address you sign in with."),
    ({"email": "not-an-address", "password": "x"}, "Enter an email address like name@hospital.org."),
    ({"email": "a@example.org", "password": ""}, "Enter your password."),
    ({"email": "a@example.org", "password": "x" * 201}, "Use at most 200 characters."),
])
def test_sign_in_refuses_bad_input_in_words(client, data, message):
    response = client.post_form("/login", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
