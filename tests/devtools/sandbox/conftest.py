"""Sandbox fixtures: the real sandbox HTTP server on loopback, and a tiny webhook receiver to catch its webhooks."""
import pytest

from devtools.sandbox import SandboxServer, create_sandbox_app
from tests.devtools.sandbox.support import SECRET_KEY, SandboxClient, WebhookReceiver


@pytest.fixture
def receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def sandbox_config(receiver):
    """Tests may change this before `sandbox` starts."""
    return {
        "SECRET_KEY": SECRET_KEY,
        "WEBHOOK_URL": receiver.url,
        "WEBHOOK_RETRY_BASE_S": 0.05,
        "WEBHOOK_MAX_ATTEMPTS": 3,
        "WEBHOOK_TIMEOUT_S": 3,
    }


@pytest.fixture
def sandbox(sandbox_config):
    server = SandboxServer(create_sandbox_app(sandbox_config)).start()
    yield SandboxClient(server.base_url)
    server.stop()


@pytest.fixture
def paid_request(sandbox, receiver):
    """A request for NGN 12,500 (line items) pushed to Desk 1 and approved; webhooks delivered."""
    customer = sandbox.customer(first_name="Ada", last_name="Obi")
    request_data = sandbox.payment_request(
        customer,
        line_items=[{"name": "Consultation (GP)", "amount": 750000, "quantity": 1},
                    {"name": "Full blood count", "amount": "250000", "quantity": 2}],
    )
    sandbox.push(request_data)
    assert sandbox.control("/terminals/2232WE17/approve", {}).status_code == 200
    sandbox.wait_for_deliveries()
    return request_data
