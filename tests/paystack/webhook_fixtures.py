"""Helpers and fixtures for the webhook, apply, sweep and refund tests (import what you use).

Unit helpers build rows and signed bodies without HTTP. The integration fixtures run the Paystack sandbox
and this app each on a loopback HTTP server (so the sandbox's signed webhooks really reach
`POST /paystack/webhook`), with jobs on a real Redis under a per-test queue prefix, applied by a real
`rq.SimpleWorker` in burst mode inside the test's app context.
"""
import json
import threading
import uuid
from datetime import timedelta

import pytest
import requests
from werkzeug.serving import make_server

from billing_desk.extensions import db
from billing_desk.models import PaymentRequest, Terminal, TerminalPush
from billing_desk.paystack.signature import sign
from billing_desk.timeutil import utcnow

SECRET = "sk_test_webhook_suite"
REDIS_URL = "redis://127.0.0.1:6379/0"
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
TERMINAL_CODE = "2232WE17"


def form_post(client, url, data):
    """POST a form with a CSRF token, also for a signed-in client (whose `/login` only redirects): any
    page of a signed-in user carries one in its sign-out form."""
    from tests.conftest import CSRF_RE

    match = CSRF_RE.search(client.get("/no-such-page").get_data(as_text=True))
    if match is None:
        return client.post_form(url, data)
    return client.post(url, data={"csrf_token": match.group(1) or match.group(2), **data})


# ---- unit helpers ----------------------------------------------------------------------------------------

def body_of(event, data):
    return json.dumps({"event": event, "data": data}, separators=(",", ":")).encode()


def post_webhook(client, raw, key=SECRET, signature=None):
    headers = {"Content-Type": "application/json"}
    if signature is not False:
        headers["x-paystack-signature"] = sign(raw, key) if signature is None else signature
    return client.post("/paystack/webhook", data=raw, headers=headers)


def make_terminal(code=TERMINAL_CODE, name="Desk 1"):
    terminal = db.session.query(Terminal).filter_by(terminal_id=code).one_or_none()
    if terminal is None:
        terminal = Terminal(terminal_id=code, name=name)
        db.session.add(terminal)
        db.session.commit()
    return terminal


_ids = iter(range(7_000_001, 8_000_000))


def make_payment_request(invoice, *, amount=None, currency=None, status="pending", staff=None, terminal=None,
                         push_status="sent"):
    """A PaymentRequest row as if created at Paystack (and pushed to `terminal` when given)."""
    paystack_id = next(_ids)
    payment_request = PaymentRequest(
        invoice_id=invoice.id, paystack_id=paystack_id, request_code=f"PRQ_unit{paystack_id}",
        offline_reference=f"463433{paystack_id}", amount_minor=amount if amount is not None else invoice.balance_due_minor,
        currency=currency or invoice.currency, status=status,
    )
    db.session.add(payment_request)
    db.session.flush()
    if terminal is not None:
        db.session.add(TerminalPush(
            invoice_id=invoice.id, payment_request_id=payment_request.id, terminal_id=terminal.id,
            staff_id=staff.id if staff else None, status=push_status, event_id=uuid.uuid4().hex[:24],
            expires_at=utcnow() + timedelta(minutes=3),
        ))
    db.session.commit()
    return payment_request


def verified_request(payment_request, transactions=(), status=None):
    """The `data` of `GET /paymentrequest/verify/…` for a request with these transactions."""
    paid = status == "success" if status else bool(transactions)
    return {
        "id": payment_request.paystack_id, "request_code": payment_request.request_code,
        "offline_reference": payment_request.offline_reference, "amount": payment_request.amount_minor,
        "currency": payment_request.currency, "status": status or ("success" if paid else "pending"),
        "paid": paid, "paid_at": "2026-11-20T09:16:41.000Z" if paid else None,
        "transactions": list(transactions),
    }


def transaction(reference=None, amount=750000, currency="NGN", status="success", terminal=TERMINAL_CODE):
    return {
        "id": next(_ids), "reference": reference or f"pos_{uuid.uuid4().hex[:10]}", "status": status,
        "amount": amount, "requested_amount": amount, "currency": currency, "channel": "pos",
        "paid_at": "2026-11-20T09:16:39.000Z",
        "source": {"type": "offline", "source": "pos", "entry_point": "pos_initialize", "identifier": terminal},
    }


# ---- integration -----------------------------------------------------------------------------------------

class LiveServer:
    """Serve a WSGI app on a free loopback port from a background thread."""

    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class Sandbox:
    """Control API of a running sandbox."""

    def __init__(self, base_url):
        self.base_url = base_url

    def control(self, path, payload=None, method="POST"):
        response = requests.request(method, f"{self.base_url}/_sandbox{path}", json=payload, timeout=15)
        assert response.status_code == 200, response.text
        return response.json()

    def faults(self, **knobs):
        return self.control("/faults", knobs)

    def approve(self, amount=None, terminal=TERMINAL_CODE):
        return self.control(f"/terminals/{terminal}/approve", {} if amount is None else {"amount": amount})

    def wait(self, timeout_s=10):
        body = self.control("/deliveries/wait", {"timeout_s": timeout_s})
        assert body["idle"], "sandbox webhook deliveries still pending"
        return body["deliveries"]

    def state(self):
        return self.control("/state", method="GET")


@pytest.fixture
def sandbox_server():
    from devtools.sandbox import SandboxServer, create_sandbox_app

    server = SandboxServer(create_sandbox_app({
        "SECRET_KEY": SECRET, "WEBHOOK_URL": None, "WEBHOOK_RETRY_BASE_S": 0.05, "WEBHOOK_MAX_ATTEMPTS": 3,
        "WEBHOOK_TIMEOUT_S": 5,
    })).start()
    yield server
    server.stop()


@pytest.fixture
def queue_prefix():
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def live_config(sandbox_server, queue_prefix):
    """Config for an app that talks to the sandbox and queues jobs on the real Redis."""
    return {
        "PAYSTACK_BASE_URL": sandbox_server.base_url,
        "PAYSTACK_SECRET_KEY": SECRET,
        "PAYSTACK_READ_TIMEOUT": 5,
        "REDIS_URL": REDIS_URL,
        "QUEUE_PREFIX": queue_prefix,
        "PAYSTACK_SWEEP_EVENT_AGE_SECONDS": 0,
        "PAYSTACK_SWEEP_VERIFY_AFTER_SECONDS": 0,
        "PAYSTACK_SWEEP_REVERIFY_SECONDS": 0,
        "PAYSTACK_UNLINKED_GRACE_SECONDS": 0,
    }


@pytest.fixture
def live(app, sandbox_server, queue_prefix):
    """The app on a loopback port with the sandbox's webhook URL pointing at it; cleans its queues after."""
    server = LiveServer(app)
    sandbox = Sandbox(sandbox_server.base_url)
    sandbox.control("/config", {"webhook_url": f"{server.url}/paystack/webhook"})
    yield sandbox
    server.stop()
    clean_queues(queue_prefix)


def clean_queues(prefix):
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    keys = list(connection.scan_iter(match=f"*{prefix}*", count=1000))
    if keys:
        connection.delete(*keys)
    connection.close()


def run_worker():
    """Apply everything queued, in this process and app context, then return (burst mode)."""
    from rq import SimpleWorker

    from billing_desk.jobs import QUEUES, get_queue, redis_connection

    worker = SimpleWorker([get_queue(purpose) for purpose in QUEUES], connection=redis_connection())
    worker.work(burst=True)
    db.session.expire_all()
