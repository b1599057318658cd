"""Fixtures shared by the notification and public-page tests: a real SMTP server on loopback, a stand-in
for `paystack.sync` (whose real module belongs to the Paystack work), and reading PDFs' text.

Import the fixtures into a conftest (`from tests.notifications.support import *`).
"""
import email
import importlib
import io
import socket
import sys
import types
from email import policy

import pytest
from aiosmtpd.controller import Controller

from billing_desk.extensions import db
from billing_desk.models import Invoice, PaymentRequest

__all__ = ["smtp_server", "paystack", "app_config", "Inbox", "SmtpServer", "FakePaystack", "free_port",
           "pdf_text"]


def free_port():
    """A port nothing listens on (aiosmtpd's Controller cannot take port 0: its self-check needs the number)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every message; `refuse_rcpt`/`refuse_data` make it answer with that reply."""

    def __init__(self):
        self.messages = []
        self.envelopes = []
        self.refuse_rcpt = None
        self.refuse_data = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK: queued"


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None

    @property
    def messages(self):
        return self.inbox.messages

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_config(app_config, smtp_server):
    app_config.update({
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port, "SMTP_SECURITY": "none", "SMTP_TIMEOUT": 5,
        "MAIL_FROM": "St. Luke's Billing <billing@stlukes.example.org>",
        "PAYSTACK_PAY_URL_BASE": "https://paystack.test/pay/",
    })
    return app_config


class PaystackUnavailable(Exception):
    """Stands in for the Paystack layer's "cannot reach Paystack" error."""


class FakePaystack:
    """`ensure_payment_request(invoice_id)`: a pending request for the balance, made once (like the real one)."""

    def __init__(self):
        self.available = True
        self.calls = 0

    def ensure_payment_request(self, invoice_id):
        self.calls += 1
        if not self.available:
            raise PaystackUnavailable("Paystack did not answer")
        invoice = db.session.get(Invoice, invoice_id)
        existing = db.session.query(PaymentRequest).filter_by(
            invoice_id=invoice_id, status="pending", amount_minor=invoice.balance_due_minor).first()
        if existing:
            return existing
        request = PaymentRequest(invoice_id=invoice_id, request_code=f"PRQ_test{invoice_id}n{self.calls}",
                                 amount_minor=invoice.balance_due_minor, currency=invoice.currency, status="pending")
        db.session.add(request)
        db.session.commit()
        return request


@pytest.fixture
def paystack(monkeypatch):
    fake = FakePaystack()
    try:
        module = importlib.import_module("billing_desk.paystack.sync")
    except ImportError:  # the Paystack sync module is not there yet: stand in for it whole
        module = types.ModuleType("billing_desk.paystack.sync")
        monkeypatch.setitem(sys.modules, "billing_desk.paystack.sync", module)
    monkeypatch.setattr(module, "ensure_payment_request", fake.ensure_payment_request, raising=False)
    return fake


def pdf_text(data):
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
