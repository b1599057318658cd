"""The terminals tests talk to the real Paystack sandbox over loopback HTTP (no mocked client)."""
import html
import re

import pytest
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import Terminal
from billing_desk.paystack.terminals import sync_terminals
from tests.paystack.webhook_fixtures import SECRET, Sandbox, sandbox_server  # noqa: F401  (fixture)

DESK_1, PHARMACY = "2232WE17", "3911QX42"  # the sandbox's two virtual terminals


@pytest.fixture
def app_config(app_config, sandbox_server):
    return {
        **app_config,
        "PAYSTACK_BASE_URL": sandbox_server.base_url,
        "PAYSTACK_SECRET_KEY": SECRET,
        "PAYSTACK_READ_TIMEOUT": 5,
        "PAYSTACK_RETRY_BACKOFF": 0.01,
    }


@pytest.fixture
def sandbox(sandbox_server):
    return Sandbox(sandbox_server.base_url)


@pytest.fixture
def terminals(app):
    """The sandbox's terminals as Terminal rows, by Paystack terminal id."""
    sync_terminals(actor_id=None)
    db.session.commit()
    return {t.terminal_id: t for t in db.session.scalars(select(Terminal))}


def text_of(response):
    """The page's text without tags and with collapsed spaces, for asserting on what a person reads."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))
