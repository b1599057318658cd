"""The Paystack client against the sandbox over loopback HTTP: envelope, typed errors, retries, timeouts."""
import logging

import pytest

from billing_desk.paystack.client import get_client

from billing_desk.paystack.errors import (

    PaystackAuthError,

    PaystackNotFound,

    PaystackRejected,

    PaystackTimeout,

    PaystackUnavailable,

)
from tests.paystack.webhook_fixtures import (  # noqa: F401  (fixtures)
    TERMINAL_CODE,
    Sandbox,
    live_config,
    queue_prefix,
    sandbox_server,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def app_config(app_config, live_config):
    return {**app_config, **live_config, "REDIS_URL": None, "PAYSTACK_RETRY_BACKOFF": 0.01}


@pytest.fixture
def sandbox(sandbox_server):
    return Sandbox(sandbox_server.base_url)


def test_one_session_per_app_and_envelope_unwrapped(app, sandbox):
    client = get_client()
    assert get_client() is client and client.session is client.session
    terminal = client.fetch_terminal(TERMINAL_CODE)
    assert terminal["terminal_id"] == TERMINAL_CODE and "message" not in terminal  # `data`, not the envelope
    items, meta = client.list_terminals(perPage=1)
    assert [t["terminal_id"] for t in items] == [TERMINAL_CODE] and meta["next"]
    assert client.terminal_presence(TERMINAL_CODE) == {"online": True, "available": True}


def test_bad_key_is_an_auth_error_and_the_key_is_never_shown(app, sandbox, caplog):
    app.config["PAYSTACK_SECRET_KEY"] = "sk_test_wrong_key_123"
    with caplog.at_level(logging.DEBUG), pytest.raises(PaystackAuthError) as raised:
        get_client().fetch_terminal(TERMINAL_CODE)
    error = raised.value
    assert error.status_code == 401 and error.paystack_message == "Invalid key"
    assert "administrator" in str(error)
    everything = f"{error} {error.detail} {caplog.text}"
    assert "sk_test_wrong_key_123" not in everything and "/terminal/" in everything


@pytest.mark.parametrize(
    ("call", "kind", "words"),
    [
        (lambda c: c.fetch_customer("CUS_doesnotexist"), PaystackNotFound, "Customer not found"),
        (lambda c: c.fetch_terminal("NOPE0000"), PaystackNotFound, "Device not found"),
        (lambda c: c.create_customer("not-an-email"), PaystackRejected, "Invalid Email Address Passed"),
        (lambda c: c.verify_transaction("pos_unknown"), PaystackRejected, "Transaction reference not found"),
    ],
    ids=["customer-404", "terminal-404", "validation-400", "unknown-reference-400"],
)
def test_paystack_refusals_are_typed_with_its_message(app, sandbox, call, kind, words):
    with pytest.raises(kind) as raised:
        call(get_client())
    assert raised.value.paystack_message == words and words in str(raised.value)
    assert not isinstance(raised.value, PaystackUnavailable)


def test_a_get_is_retried_on_500(app, sandbox):
    sandbox.faults(fail_next=2)  # the client makes up to 1 + PAYSTACK_MAX_RETRIES (2) attempts
    assert get_client().fetch_terminal(TERMINAL_CODE)["terminal_id"] == TERMINAL_CODE
    assert sandbox.state()["faults"]["fail_next"] == 0


def test_a_get_gives_up_after_its_retries(app, sandbox):
    sandbox.faults(fail_next=3)
    with pytest.raises(PaystackUnavailable) as raised:
        get_client().fetch_terminal(TERMINAL_CODE)
    assert raised.value.status_code == 500 and not raised.value.outcome_unknown
    assert sandbox.state()["faults"]["fail_next"] == 0


def test_a_create_is_never_retried_on_500(app, sandbox):
    sandbox.faults(fail_next=1)
    with pytest.raises(PaystackUnavailable) as raised:
        get_client().create_customer("once@example.org")
    assert raised.value.outcome_unknown  # a 5xx may come after the work was done
    state = sandbox.state()
    assert state["faults"]["fail_next"] == 0 and state["customers"] == []  # a retry would have created it


def test_a_create_that_times_out_is_not_retried_and_its_outcome_is_unknown(app, sandbox):
    client = get_client()
    customer = client.create_customer("timeout@example.org")
    sandbox.faults(timeout_after_create_next=1, timeout_sleep_s=1.5)
    app.config["PAYSTACK_READ_TIMEOUT"] = 0.4
    with pytest.raises(PaystackTimeout) as raised:
        client.create_payment_request(customer=customer["customer_code"], amount=5000, send_notification=False)
    assert raised.value.outcome_unknown and "may or may not" in str(raised.value)
    assert len(sandbox.state()["payment_requests"]) == 1  # made once by Paystack, not twice by a retry


def test_a_slow_get_times_out(app, sandbox):
    sandbox.faults(latency_ms=600)
    app.config.update(PAYSTACK_READ_TIMEOUT=0.2, PAYSTACK_MAX_RETRIES=1)
    with pytest.raises(PaystackTimeout) as raised:
        get_client().fetch_terminal(TERMINAL_CODE)
    assert not raised.value.outcome_unknown and "did not answer in time" in str(raised.value)


def test_nothing_listening_is_unavailable_and_a_create_is_known_not_done(app):
    from tests.notifications.support import free_port

    app.config["PAYSTACK_BASE_URL"] = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(PaystackUnavailable) as raised:
        get_client().create_customer("nobody@example.org")
    assert not isinstance(raised.value, PaystackTimeout) and not raised.value.outcome_unknown
    assert "not answering" in str(raised.value)


def test_paystack_status_false_with_http_200_is_a_refusal(app, sandbox):
    from billing_desk.paystack.client import PaystackClient

    class Answer:
        status_code = 200
        headers = {}

        @staticmethod
        def json():
            return {"status": False, "message": "Device has been commissioned already"}

    with pytest.raises(PaystackRejected, match="commissioned already"):
        PaystackClient(app.config)._envelope("POST", "/terminal/commission_device", Answer())
