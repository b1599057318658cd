"""Invoice lives as a hypothesis state machine (a few bounded examples; `bench/state_machine.py` runs many by
setting INVOICE_LIVES_EXAMPLES and INVOICE_LIVES_STEPS)."""
import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.factories import make_staff
from tests.paystack.invoice_lives import InvoiceLives
from tests.paystack.webhook_fixtures import (  # noqa: F401  (fixtures)
    TERMINAL_CODE,
    live,
    live_config,
    make_terminal,
    queue_prefix,
    sandbox_server,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def app_config(app_config, live_config, sandbox_server):
    return {**app_config, **live_config, "PAYSTACK_PAY_URL_BASE": f"{sandbox_server.base_url}/pay/",
            "PATIENT_EMAIL_DOMAIN": "patients.example.org", "PAYSTACK_RETRY_BACKOFF": 0.01}


def test_invoice_lives_keep_the_money_invariants(app, live):
    cashier = make_staff(role="cashier", email="lives.cashier@example.org")
    InvoiceLives.context = (live, cashier.id, make_terminal(TERMINAL_CODE).id)
    run_state_machine_as_test(InvoiceLives, settings=settings(
        max_examples=int(os.environ.get("INVOICE_LIVES_EXAMPLES", "3")),
        stateful_step_count=int(os.environ.get("INVOICE_LIVES_STEPS", "6")),
        deadline=None, derandomize="INVOICE_LIVES_EXAMPLES" not in os.environ,
        suppress_health_check=list(HealthCheck),
    ))
