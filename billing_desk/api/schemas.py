"""What the API reads, as pydantic models: one definition for validation and the OpenAPI document.

Bodies are strict and closed: an unknown field is refused by name, and an amount must be a JSON integer
(minor units) — "1500" or 1500.0 are refused. Query strings are converted from text but are closed too.
"""
import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from billing_desk.billing.invoices import MAX_DESCRIPTION, MAX_LINES, MAX_NOTES, MAX_QUANTITY, MAX_VOID_REASON
from billing_desk.billing.money import CURRENCIES, MAX_AMOUNT_MINOR
from billing_desk.billing.refunds import STATUS_RANK as REFUND_STATUSES
from billing_desk.billing.states import InvoiceStatus
from billing_desk.bounds import MAX_ID
from billing_desk.models.patient import SEXES
from billing_desk.models.payment import CHANNELS

MAX_PAGE_SIZE = 100


Minor = Annotated[int, Field(ge=0, le=MAX_AMOUNT_MINOR, description="An amount in minor units (kobo for NGN).")]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Currency = Literal[CURRENCIES]


def _iso_day(value):
    """Days only as YYYY-MM-DD text (pydantic would also read "0" as a Unix time)."""
    if not isinstance(value, str):
        return value  # left to the date type to refuse
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("Give the day as YYYY-MM-DD.")
    return date.fromisoformat(value)  # a real date: strict models take it as it is


Day = Annotated[date, BeforeValidator(_iso_day)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """Query strings arrive as text, so they are converted (not strict), but unknown names are still refused."""

    model_config = ConfigDict(extra="forbid")


# ---- inputs ---------------------------------------------------------------------------------------------
class PatientIn(Input):
    """Creates the patient, or updates the one with this hospital number (`mrn`)."""

    mrn: Annotated[str, Field(max_length=20)] | None = None
    first_name: Annotated[str, Field(min_length=1, max_length=80)]
    last_name: Annotated[str, Field(min_length=1, max_length=80)]
    sex: Literal[SEXES] = "unknown"
    date_of_birth: Day | None = None
    phone: Annotated[str, Field(max_length=30)] | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    address: Annotated[str, Field(max_length=500)] | None = None


class LineIn(Input):
    """A price-list line (`service_code`, priced from the list unless `unit_price_minor` is given) or a free line
    (`description` and `unit_price_minor`)."""

    service_code: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] | None = None
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY)] = 1
    unit_price_minor: Minor | None = None
    discount_minor: Minor = 0


class InvoiceIn(Input):
    patient_id: Id
    currency: Currency = "NGN"
    due_date: Day | None = None
    notes: Annotated[str, Field(max_length=MAX_NOTES)] | None = None
    invoice_discount_minor: Minor = 0
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=MAX_LINES)]


class LinesIn(Input):
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=MAX_LINES)]


class IssueIn(Input):
    """No fields: the body may be empty or `{}`."""


class VoidIn(Input):
    reason: Annotated[str, Field(min_length=1, max_length=MAX_VOID_REASON)]


# ---- queries --------------------------------------------------------------------------------------------
Cursor = Annotated[str, Field(max_length=18, pattern=r"^[0-9]+$", description="`next_cursor` of the previous page.")]
Limit = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]


class NoQuery(Query):
    pass


class PatientQuery(Query):
    q: Annotated[str, Field(min_length=1, max_length=100, description="Name, phone, email or MRN.")] | None = None
    mrn: Annotated[str, Field(min_length=1, max_length=20, description="Exactly this hospital number.")] | None = None
    page: Annotated[int, Field(ge=1, le=1000)] = 1


class ServiceQuery(Query):
    q: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    include_inactive: bool = False
    limit: Limit = 50
    cursor: Cursor | None = None


class InvoiceQuery(Query):
    status: InvoiceStatus | None = None
    patient_id: Id | None = None
    created_from: Day | None = Field(None, description="Created on or after this day (the hospital's calendar).")
    created_to: Day | None = Field(None, description="Created on or before this day (the hospital's calendar).")
    limit: Limit = 50
    cursor: Cursor | None = None


class PaymentQuery(Query):
    invoice_id: Id | None = None
    channel: Literal[CHANNELS] | None = None
    paid_from: Day | None = None
    paid_to: Day | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


class RefundQuery(Query):
    invoice_id: Id | None = None
    status: Literal[tuple(REFUND_STATUSES)] | None = None
    limit: Limit = 50
    cursor: Cursor | None = None
