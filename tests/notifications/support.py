"""Fixtures shared by the notification and public-page tests: a real SMTP server on loopback, the real
Paystack sandbox (every app here talks to it, so no test can reach the real Paystack), and reading PDFs' text.

Import the fixtures into a conftest (`from tests.notifications.support import *`).
"""
import email
import io
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from tests.devtools.sandbox.running import paystack_sandbox, sandbox_session

__all__ = ["smtp_server", "paystack_sandbox", "sandbox_session", "app_config", "Inbox", "SmtpServer", "free_port",
           "pdf_text", "PAY_URL_BASE"]

PAY_URL_BASE = "https://paystack.test/pay/"


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
def app_config(app_config, smtp_server, paystack_sandbox):
    app_config.update({
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port, "SMTP_SECURITY": "none", "SMTP_TIMEOUT": 5,
        "MAIL_FROM": "St. Luke's Billing <billing@stlukes.example.org>",
        "PAYSTACK_PAY_URL_BASE": PAY_URL_BASE,
        **paystack_sandbox.app_config(),
    })
    return app_config


def pdf_text(data):
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
