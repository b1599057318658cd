"""Helpers for the sandbox tests: a webhook receiver, a small sandbox client, the example bodies from tests/paystack/examples."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from billing_desk.paystack.signature import is_valid

SECRET_KEY = "sk_test_sandbox_suite"


class WebhookReceiver:
    """Records every POST (raw body + headers). Answers like the app would: 401 for a bad signature, else the
    statuses queued for that event in `statuses` (e.g. `{"charge.success": [500]}`), then 200."""

    def __init__(self):
        self.received = []
        self.statuses = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = json.loads(raw)
                with receiver._lock:
                    receiver.received.append({"raw": raw, "headers": dict(self.headers), "body": body})
                    queued = receiver.statuses.get(body["event"], [])
                    status = queued.pop(0) if queued else 200
                if not is_valid(raw, self.headers.get("x-paystack-signature"), SECRET_KEY):
                    status = 401
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/paystack/webhook"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def events(self):
        with self._lock:
            return [r["body"]["event"] for r in self.received]

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class SandboxClient:
    """Talks to a running sandbox: `api()` for Paystack calls (with the key), `control()` for `/_sandbox/`."""

    def __init__(self, base_url, secret_key=SECRET_KEY):
        self.base_url = base_url
        self.secret_key = secret_key

    def api(self, method, path, **kwargs):
        headers = {"Authorization": f"Bearer {self.secret_key}", **kwargs.pop("headers", {})}
        timeout = kwargs.pop("timeout", 10)
        return requests.request(method, self.base_url + path, headers=headers, timeout=timeout, **kwargs)

    def control(self, path, payload=None, method="POST"):
        response = requests.request(method, f"{self.base_url}/_sandbox{path}", json=payload, timeout=15)
        return response

    def wait_for_deliveries(self, timeout_s=10):
        body = self.control("/deliveries/wait", {"timeout_s": timeout_s}).json()
        assert body["idle"], "webhook deliveries still pending"
        return body["deliveries"]

    # Shortcuts for the common path: a patient, a request, a push, an approval.
    def customer(self, email="ada.obi@example.org", **fields):
        response = self.api("POST", "/customer", json={"email": email, **fields})
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def payment_request(self, customer, **fields):
        body = {"customer": customer["customer_code"], "send_notification": False, **fields}
        if "amount" not in body and "line_items" not in body:
            body["line_items"] = [{"name": "Consultation (GP)", "amount": 750000, "quantity": 1}]
        response = self.api("POST", "/paymentrequest", json=body)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def push(self, request_data, terminal_id="2232WE17"):
        response = self.api(
            "POST",
            f"/terminal/{terminal_id}/event",
            json={"type": "invoice", "action": "process",
                  "data": {"id": request_data["id"], "reference": request_data["offline_reference"]}},
        )
        assert response.status_code == 200, response.text
        return response.json()["data"]["id"]

