"""All models, imported here so Alembic and `db.create_all` see every table."""
from billing_desk.models.account import AccountEntry
from billing_desk.models.approval import ApprovalRequest
from billing_desk.models.audit import AuditEntry
from billing_desk.models.catalog import AppSetting, Service
from billing_desk.models.integration import (
    ApiCall,
    ApiKey,
    IdempotentResponse,
    WebhookDelivery,
    WebhookSubscription,
)
from billing_desk.models.invoice import Invoice, InvoiceLine, InvoiceSequence
from billing_desk.models.outbox import EmailOutbox
from billing_desk.models.patient import Patient
from billing_desk.models.paystack import PaymentRequest, PaymentReview, Refund, Terminal, TerminalPush, WebhookEvent
from billing_desk.models.payment import Payment
from billing_desk.models.schedule import ReconciliationRun, ScheduledTask
from billing_desk.models.shift import Shift
from billing_desk.models.sign_in import SignInPause
from billing_desk.models.staff import Staff

__all__ = [
    "ApiCall",
    "ApiKey",
    "AccountEntry",
    "ApprovalRequest",
    "AppSetting",
    "AuditEntry",
    "EmailOutbox",
    "IdempotentResponse",
    "Invoice",
    "InvoiceLine",
    "InvoiceSequence",
    "Patient",
    "Payment",
    "PaymentRequest",
    "PaymentReview",
    "ReconciliationRun",
    "Refund",
    "ScheduledTask",
    "Service",
    "Shift",
    "SignInPause",
    "Staff",
    "Terminal",
    "TerminalPush",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
]
