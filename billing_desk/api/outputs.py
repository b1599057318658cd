"""What the API and its webhooks send: pydantic models read straight from the ORM rows (`from_attributes`).

Times go out as ISO 8601 in UTC with a "Z"; dates as YYYY-MM-DD; amounts as integers in minor units with the
currency. This module depends only on the models (the invoice rules emit webhooks built from it).
"""
from datetime import date, datetime, timezone
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from billing_desk.billing.states import InvoiceStatus


def utc_text(value):
    return value.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


UtcDateTime = Annotated[
    datetime, PlainSerializer(utc_text, return_type=str), WithJsonSchema({"type": "string", "format": "date-time"})
]


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ---- outputs --------------------------------------------------------------------------------------------
class PatientOut(Output):
    id: int
    mrn: str
    first_name: str
    last_name: str
    sex: str
    date_of_birth: date | None
    phone: str | None
    email: str | None
    address: str | None
    created_at: UtcDateTime


class ServiceOut(Output):
    id: int
    code: str
    name: str
    department: str
    unit_price_minor: int
    currency: str
    active: bool


class LineOut(Output):
    position: int
    service_id: int | None
    description: str
    quantity: int
    unit_price_minor: int
    discount_minor: int
    line_total_minor: int


class InvoiceOut(Output):
    id: int
    number: str | None
    status: InvoiceStatus
    patient_id: int
    currency: str
    due_date: date | None
    notes: str | None
    subtotal_minor: int
    invoice_discount_minor: int
    discount_minor: int
    total_minor: int
    amount_paid_minor: int
    amount_refunded_minor: int
    balance_due_minor: int
    created_at: UtcDateTime
    issued_at: UtcDateTime | None
    voided_at: UtcDateTime | None
    void_reason: str | None
    lines: list[LineOut]


class PaymentOut(Output):
    id: int
    invoice_id: int
    amount_minor: int
    currency: str
    channel: str
    reference: str | None
    paystack_reference: str | None
    terminal_id: int | None
    paid_at: UtcDateTime


class RefundOut(Output):
    id: int
    payment_id: int
    invoice_id: int
    amount_minor: int
    currency: str
    channel: str
    status: str
    reason: str
    created_at: UtcDateTime
    processed_at: UtcDateTime | None


class AccountBalanceOut(Output):
    """What a patient's account holds in one currency: paid in (deposits, credit) less what was spent or refunded."""

    currency: str
    deposits_minor: int = Field(validation_alias="deposits")
    credit_minor: int = Field(validation_alias="credit")
    applied_minor: int = Field(validation_alias="applied")
    refunded_minor: int = Field(validation_alias="refunded")
    balance_minor: int = Field(validation_alias="balance")


class AccountOut(BaseModel):
    patient_id: int
    balances: list[AccountBalanceOut] = Field(description="One per currency the account has money in.")


class DepositOut(Output):
    id: int
    patient_id: int
    amount_minor: int
    currency: str
    channel: str | None
    reference: str | None
    created_at: UtcDateTime


class TerminalOut(Output):
    id: int
    terminal_id: str
    name: str
    desk: str | None
    active: bool
    presence: str = Field(description="Whether a cashier can charge on it now, in words.")


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list, newest first; `Page[InvoiceOut]` is called "InvoicePage" in the document."""

    data: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")

    @classmethod
    def model_parametrized_name(cls, params):
        return params[0].__name__.removesuffix("Out") + "Page"


ServicePage, InvoicePage, PaymentPage, RefundPage, DepositPage = (
    Page[out] for out in (ServiceOut, InvoiceOut, PaymentOut, RefundOut, DepositOut))


class TerminalList(BaseModel):
    data: list[TerminalOut]


class PatientPage(BaseModel):
    data: list[PatientOut]
    page: int
    has_more: bool


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, machine-readable: branch on this, not on the message.")
    message: str
    field: str | None = Field(description="The input at fault, dotted (e.g. `lines.0.quantity`), or null.")


class ErrorBody(BaseModel):
    error: ErrorDetail
    request_id: str
