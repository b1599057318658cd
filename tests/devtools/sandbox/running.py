"""One Paystack sandbox for the whole test run, for the app's tests that touch Paystack along the way
(emails with a pay link, the public Pay online button, the Z report's card check, reconciliation).

Those tests talk to the sandbox over loopback HTTP through the real client — nothing stands in for Paystack —
and see what really happened through the sandbox's own HTTP API. The server starts once per run (it is cheap
to keep, slow-ish to start); `paystack_sandbox` resets it before each test, so no records, knobs or call log
leak from one test to the next. Import the fixtures into a conftest:

    from tests.devtools.sandbox.running import paystack_sandbox, sandbox_session  # noqa: F401  (fixtures)

and add `paystack_sandbox.app_config()` to the test's `app_config`.
"""
import pytest

from devtools.sandbox import SandboxServer, create_sandbox_app
from tests.devtools.sandbox.support import SandboxClient

SECRET = "sk_test_desk_suite"
DESK_1, DESK_2 = "2232WE17", "3911QX42"  # the sandbox's two virtual terminals


class PaystackSandbox(SandboxClient):
    """A running sandbox: Paystack calls (`api`), control calls that must succeed, and shortcuts."""

    def app_config(self):
        """What points an app at this sandbox. No retry pauses: a test of "Paystack is down" sets
        `fail_next` high enough for the client's retries and should not wait out their backoff."""
        return {"PAYSTACK_BASE_URL": self.base_url, "PAYSTACK_SECRET_KEY": self.secret_key,
                "PAYSTACK_READ_TIMEOUT": 5, "PAYSTACK_RETRY_BACKOFF": 0.01}

    def checked(self, path, payload=None, method="POST"):
        response = self.control(path, payload, method)
        assert response.status_code == 200, response.text
        return response.json()

    def reset(self):
        self.checked("/reset")

    def faults(self, **knobs):
        return self.checked("/faults", knobs)

    def down(self):
        """Every Paystack call answers 500 until `reset` (more failures than any action here retries)."""
        return self.faults(fail_next=1000)

    def state(self):
        return self.checked("/state", method="GET")

    def calls(self):
        """The Paystack API calls made since the reset, as `"METHOD /path"`."""
        return [f"{call['method']} {call['path']}" for call in self.checked("/calls", method="GET")["calls"]]

    def payment_request_at_paystack(self, code):
        """The request as Paystack itself reports it (`GET /paymentrequest/{code}`)."""
        response = self.api("GET", f"/paymentrequest/{code}")
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def paid_on_terminal(self, request_data, terminal=DESK_1):
        """The patient pays a request (`id`, `offline_reference`) in full on `terminal`: it is pushed there and
        approved. Returns the POS transaction."""
        self.push(request_data, terminal_id=terminal)
        return self.checked(f"/terminals/{terminal}/approve")["transaction"]

    def card_payment(self, amount, terminal=DESK_1, email="walk.in@example.org"):
        """A card payment of `amount` kobo that the desk never asked for: a request made straight at Paystack,
        paid on `terminal`. Returns the POS transaction."""
        return self.paid_on_terminal(self.payment_request(self.customer(email=email), amount=amount), terminal)


@pytest.fixture(scope="session")
def sandbox_session():
    """The sandbox server; its webhooks go nowhere (these tests book through verify, not webhooks)."""
    server = SandboxServer(create_sandbox_app({"SECRET_KEY": SECRET, "WEBHOOK_URL": None})).start()
    yield server
    server.stop()


@pytest.fixture
def paystack_sandbox(sandbox_session):
    sandbox = PaystackSandbox(sandbox_session.base_url, secret_key=SECRET)
    sandbox.reset()
    return sandbox
