"""The terminals page, the control API's reset/state/call log, the state file, the CLI and the signature helpers."""
import pytest
import requests
from click.testing import CliRunner

from billing_desk.paystack.signature import is_valid, sign
from devtools.sandbox import SandboxServer, create_sandbox_app
from devtools.sandbox.cli import paystack_sandbox_command


@pytest.mark.integration
def test_page_shows_a_pushed_invoice_and_approves_a_different_amount(sandbox, receiver):
    request_data = sandbox.payment_request(sandbox.customer(first_name="Ada", last_name="Obi"), amount=1250000)
    sandbox.push(request_data)

    page = requests.get(sandbox.base_url + "/", timeout=5).text
    assert request_data["request_code"] in page
    assert "NGN 12,500.00" in page and "Waiting for the card" in page
    assert "Ada Obi" in page and "Approve a different amount" in page
    assert '<label for="amount-2232WE17">' in page

    response = requests.post(sandbox.base_url + "/terminals/2232WE17/approve", data={"amount_major": "12,000.50"},
                             timeout=5, allow_redirects=False)
    assert response.status_code == 303
    fetched = sandbox.api("GET", f"/paymentrequest/{request_data['id']}").json()["data"]
    assert fetched["amount_paid"] == 1200050 and fetched["status"] == "pending"

    after = requests.get(response.headers["Location"] if response.headers["Location"].startswith("http")
                         else sandbox.base_url + response.headers["Location"], timeout=5).text
    assert "payment approved" in after and "Nothing waiting on this terminal" in after


@pytest.mark.integration
def test_page_forms_for_faults_state_and_reset(sandbox):
    base = sandbox.base_url
    sandbox.customer()
    requests.post(base + "/faults", data={"fail_next": "1", "duplicate_delivery": "on", "refund_outcome": "failed"},
                  timeout=5)
    knobs = sandbox.control("/faults", method="GET").json()
    assert (knobs["fail_next"], knobs["duplicate_delivery"], knobs["refund_outcome"]) == (1, True, "failed")

    requests.post(base + "/terminals/3911QX42/state", data={"available": "false"}, timeout=5)
    assert sandbox.control("/state", method="GET").json()["terminals"][1]["available"] is False

    requests.post(base + "/reset", timeout=5)
    state = sandbox.control("/state", method="GET").json()
    assert state["customers"] == [] and state["faults"]["fail_next"] == 0
    assert all(t["available"] for t in state["terminals"])


@pytest.mark.integration
def test_state_file_keeps_records_across_restarts(tmp_path):
    config = {"SECRET_KEY": "sk_test_file", "WEBHOOK_URL": None, "STATE_FILE": str(tmp_path / "state.json")}
    headers = {"Authorization": "Bearer sk_test_file"}
    with SandboxServer(create_sandbox_app(config)) as server:
        requests.post(server.base_url + "/customer", json={"email": "kept@example.org"}, headers=headers, timeout=5)
    with SandboxServer(create_sandbox_app(config)) as server:
        fetched = requests.get(server.base_url + "/customer/kept@example.org", headers=headers, timeout=5)
    assert fetched.status_code == 200


def test_cli_help_lists_the_options():
    result = CliRunner().invoke(paystack_sandbox_command, ["--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--webhook-url", "--secret-key"):
        assert option in result.output


def test_signature_helpers():
    body = b'{"event":"charge.success","data":{"amount":"5000"}}'
    signature = sign(body, "sk_test_x")
    assert len(signature) == 128 and signature == signature.lower()
    assert is_valid(body, signature, "sk_test_x")
    assert is_valid(body, signature.upper(), "sk_test_x")
    assert not is_valid(body + b" ", signature, "sk_test_x")
    assert not is_valid(body, signature, "sk_test_other")
    assert not is_valid(body, None, "sk_test_x")
    assert not is_valid(body, "", "sk_test_x")
    assert not is_valid(body, "é" * 128, "sk_test_x")


@pytest.mark.integration
def test_the_call_log_lists_every_api_call_refused_ones_too_and_reset_empties_it(sandbox):
    assert sandbox.control("/calls", method="GET").json() == {"calls": []}
    sandbox.customer()
    sandbox.api("GET", "/transaction", params={"terminal_id": "2232WE17", "perPage": 5})
    sandbox.api("GET", "/terminal", headers={"Authorization": "Bearer sk_test_wrong"})
    sandbox.control("/faults", {"latency_ms": 0})  # control calls are not Paystack calls: not logged

    calls = sandbox.control("/calls", method="GET").json()["calls"]

    assert calls == [
        {"method": "POST", "path": "/customer", "query": ""},
        {"method": "GET", "path": "/transaction", "query": "terminal_id=2232WE17&perPage=5"},
        {"method": "GET", "path": "/terminal", "query": ""},
    ]
    sandbox.control("/reset")
    assert sandbox.control("/calls", method="GET").json()["calls"] == []
