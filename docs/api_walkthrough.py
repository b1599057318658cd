"""Walk-through of the integration API (see docs/api.md): an EMR's order becomes a paid bill.

1. make an API key and subscribe this script's own loopback URL to `invoice.paid` (the `flask integrations`
   commands, as an administrator would on Admin → Integrations);
2. as the EMR: register a patient, create a two-line invoice, issue it;
3. the desk's part: the cashier presses "Charge on terminal", the patient taps Approve on the sandbox's
   virtual terminal;
4. receive `invoice.paid`, check its signature, and print it.

Needs only `requests` and the app's own `flask` command; run from the repository root.
"""
import argparse
import hashlib
import hmac
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

TIMEOUT = 10


def flask_command(*args):
    """Run `flask --app wsgi …` (the app's own CLI, on the app's own database) and return what it printed."""
    command = [os.path.join(os.path.dirname(sys.executable), "flask"), "--app", "wsgi", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def verify(secret, header, raw_body, tolerance=300):
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    stamp = int(parts.get("t", "0"))
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + raw_body, hashlib.sha256).hexdigest()
    return abs(time.time() - stamp) <= tolerance and hmac.compare_digest(expected, parts.get("v1", ""))


class Receiver:
    """Our webhook endpoint on loopback: every POST's (headers, body) goes to `inbox`."""

    def __init__(self, port):
        inbox = self.inbox = queue.Queue()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                inbox.put((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/billing-desk/webhooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, event_type, timeout):
        deadline = time.monotonic() + timeout
        while True:
            headers, body = self.inbox.get(timeout=max(deadline - time.monotonic(), 0.1))
            if json.loads(body)["type"] == event_type:
                return headers, body


class Api:
    def __init__(self, base, key):
        self.base, self.session = f"{base}/api/v1", requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.session.close()

    def get(self, path, **params):
        response = self.session.get(self.base + path, params=params, timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()

    def post(self, path, body):
        response = self.session.post(self.base + path, json=body, timeout=TIMEOUT,
                                     headers={"Idempotency-Key": str(uuid.uuid4())})
        if response.status_code >= 400:
            raise SystemExit(f"POST {path}: {response.status_code} {response.text}")
        return response.json()


def csrf_token(page):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', page).group(1)


def charge_on_terminal(args, invoice_id, terminal_row_id):
    """What the cashier does in the browser: sign in, open the invoice, Charge on terminal."""
    with requests.Session() as desk:
        _charge(desk, args, invoice_id, terminal_row_id)


def _charge(desk, args, invoice_id, terminal_row_id):
    login = desk.get(f"{args.app}/login", timeout=TIMEOUT)
    signed_in = desk.post(f"{args.app}/login", timeout=TIMEOUT, data={
        "email": args.cashier, "password": args.password, "csrf_token": csrf_token(login.text)})
    if "/login" in signed_in.url:
        raise SystemExit(f"Could not sign in as {args.cashier}.")
    page = desk.get(f"{args.app}/invoices/{invoice_id}", timeout=TIMEOUT).text
    charged = desk.post(f"{args.app}/terminals/invoices/{invoice_id}/charge", timeout=TIMEOUT, data={
        "csrf_token": csrf_token(page), "charge-terminal": terminal_row_id,
        "charge-submission_key": str(uuid.uuid4())})
    charged.raise_for_status()


def run(args):
    receiver = Receiver(args.port)
    try:
        return _walk(args, receiver)
    finally:
        receiver.stop()


def _walk(args, receiver):
    key = flask_command("integrations", "create-key", "--name", "Walk-through EMR", "--scope", "read",
                        "--scope", "write")
    secret = flask_command("integrations", "add-webhook", "--name", "Walk-through EMR", "--url", receiver.url,
                           "--event", "invoice.paid")
    print(f"1. API key {key[:12]}… and a webhook to {receiver.url}")
    with Api(args.app, key) as api:
        invoice = _bill(api)
        terminal = next(t for t in api.get("/terminals")["data"] if t["terminal_id"] == args.terminal)
    charge_on_terminal(args, invoice["id"], terminal["id"])
    approved = requests.post(f"{args.sandbox}/_sandbox/terminals/{args.terminal}/approve", json={}, timeout=TIMEOUT)
    approved.raise_for_status()
    print(f"3. Charged on {terminal['name']} and approved on the sandbox's virtual terminal")

    headers, body = receiver.wait_for("invoice.paid", args.wait)
    if not verify(secret, headers["BillingDesk-Signature"], body):
        raise SystemExit("invoice.paid arrived with a bad signature")
    event = json.loads(body)
    print(f"4. Received {event['type']} ({event['id']}): invoice {event['data']['number']} is "
          f"{event['data']['status']}, balance {event['data']['balance_due_minor']} — signature checked")
    return event


def _bill(api):
    """The EMR's part: the patient, a two-line invoice (one from the price list, one free line), issued."""
    patient = api.post("/patients", {"mrn": f"EMR-{uuid.uuid4().hex[:8].upper()}", "first_name": "Ngozi",
                                     "last_name": "Adeyemi", "sex": "female", "date_of_birth": "1984-05-17"})
    service = api.get("/services", limit=1)["data"][0]
    invoice = api.post("/invoices", {"patient_id": patient["id"], "currency": service["currency"], "lines": [
        {"service_code": service["code"], "quantity": 1},
        {"description": "Wound dressing pack", "quantity": 2, "unit_price_minor": 150000},
    ]})
    invoice = api.post(f"/invoices/{invoice['id']}/issue", {})
    print(f"2. Patient {patient['mrn']}; invoice {invoice['number']} issued for {invoice['total_minor']} "
          f"{invoice['currency']} minor units ({len(invoice['lines'])} lines)")
    return invoice


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default="http://127.0.0.1:5000")
    parser.add_argument("--sandbox", default="http://127.0.0.1:5055")
    parser.add_argument("--port", type=int, default=5599, help="the receiver's loopback port (0: any free one)")
    parser.add_argument("--cashier", default="cashier1@demo.hospital")
    parser.add_argument("--password", default="demo-password-1")
    parser.add_argument("--terminal", default="2232WE17")
    parser.add_argument("--wait", type=float, default=30, help="seconds to wait for invoice.paid")
    return parser.parse_args(argv)


if __name__ == "__main__":
    run(parse())
