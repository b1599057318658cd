"""The only code that talks HTTP to Paystack.

One `requests.Session` per app and process (connection reuse; rebuilt after a fork), the base URL and secret
key from the app config, explicit (connect, read) timeouts, Paystack's envelope `{status, message, data,
meta}` unwrapped, and failures turned into typed errors whose text a cashier can read:

- `PaystackUnavailable` — no usable answer: "Paystack is not answering" (connection error, timeout, rate
  limit after retries). `PaystackServerError`, a kind of it, is Paystack *answering* with an error (5xx):
  the words say so, so nobody goes looking for a network fault. `outcome_unknown` is True when a write may
  have happened anyway (the request may have reached Paystack): `PaystackTimeout` is the usual case.
  Callers must look the object up before creating it again.
- `PaystackRejected` — Paystack answered 4xx (or `status: false`) with its own message: nothing was done.
  `PaystackNotFound` (404) and `PaystackAuthError` (401, a configuration problem) are kinds of it.

Retries (with exponential backoff) only where repeating cannot do anything twice: GETs on connection errors,
timeouts, 429 and 5xx; any call on 429 (Paystack refused it before doing anything). A POST that timed out
or got a 5xx is never repeated here: Paystack has no idempotency key (docs/paystack.md §1, pitfall 5).
The secret key is never logged, and is masked in any text an error carries.
"""
import logging
import os
import threading
import time
from urllib.parse import quote

import requests
from flask import current_app
from urllib3.exceptions import NewConnectionError

from billing_desk.paystack.errors import (
    PaystackAuthError,
    PaystackNotFound,
    PaystackRejected,
    PaystackServerError,
    PaystackTimeout,
    PaystackUnavailable,
)

log = logging.getLogger(__name__)

EXTENSION_KEY = "paystack_client"
DEFAULTS = {
    "PAYSTACK_MAX_RETRIES": 2,  # extra attempts for a retryable call
    "PAYSTACK_RETRY_BACKOFF": 0.5,  # seconds before the first retry; doubles each time
    "PAYSTACK_RETRY_MAX_WAIT": 5.0,  # longest a 429 is waited out inside a call (it runs in a request)
}
USER_AGENT = "billing-desk/1 (+requests)"


def _path(*parts):
    return "/" + "/".join(quote(str(part), safe="") for part in parts)


class PaystackClient:
    """Reads the config at every call (so a test or an admin change of the base URL takes effect)."""

    def __init__(self, config):
        self._config = config
        self._local_pid = None
        self._session = None
        self._lock = threading.Lock()

    # ---- plumbing ----------------------------------------------------------------------------------------

    def _setting(self, name):
        return self._config.get(name, DEFAULTS.get(name))

    @property
    def session(self):
        """The process's session; a forked worker must not share its parent's sockets, so it gets its own."""
        with self._lock:
            if self._session is None or self._local_pid != os.getpid():
                self._session = requests.Session()
                self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
                self._local_pid = os.getpid()
            return self._session

    def _redact(self, text):
        key = self._config.get("PAYSTACK_SECRET_KEY") or ""
        text = str(text)
        return text.replace(key, "sk_***") if key else text

    def request(self, method, path, *, params=None, json=None, retry=None):
        """One call; returns the decoded envelope (a dict with `status: true`). Raises PaystackError kinds.

        `retry` defaults to True for GET only; a POST is repeated only after a 429 (nothing was done).
        """
        retry = method == "GET" if retry is None else retry
        attempts = 1 + max(0, int(self._setting("PAYSTACK_MAX_RETRIES")))
        attempt = 0
        while True:
            last = attempt == attempts - 1
            try:
                response = self._send(method, path, params, json)
            except requests.RequestException as error:
                failure = self._transport_failure(method, path, error)
                if not retry or last:
                    raise failure from None
                self._pause(attempt)
            else:
                wait = self._retry_wait(method, path, response, attempt, retry) if not last else None
                if wait is None:
                    return self._envelope(method, path, response)
                time.sleep(wait)
            attempt += 1

    def _send(self, method, path, params, json):
        started = time.monotonic()
        response = self.session.request(
            method,
            self._config["PAYSTACK_BASE_URL"].rstrip("/") + path,
            params=params,
            json=json,
            headers={"Authorization": f"Bearer {self._config['PAYSTACK_SECRET_KEY']}"},
            timeout=(float(self._config["PAYSTACK_CONNECT_TIMEOUT"]), float(self._config["PAYSTACK_READ_TIMEOUT"])),
        )
        log.info("paystack %s %s → %s in %.0f ms", method, path, response.status_code,
                 (time.monotonic() - started) * 1000)
        return response

    def _pause(self, attempt):
        time.sleep(self._backoff(attempt))

    def _backoff(self, attempt):
        return float(self._setting("PAYSTACK_RETRY_BACKOFF")) * (2 ** attempt)

    def _retry_wait(self, method, path, response, attempt, retry):
        """Seconds to wait before repeating this answered call, or None to take the answer as it is.

        A 429 is waited out (any method: Paystack did nothing) unless its reset is too far off to wait
        inside a call; a 5xx is repeated for retryable calls only.
        """
        if response.status_code == 429:
            try:
                wait = float(response.headers.get("x-ratelimit-reset", ""))
            except ValueError:
                wait = self._backoff(attempt)
            return wait if wait <= float(self._setting("PAYSTACK_RETRY_MAX_WAIT")) else None
        if response.status_code >= 500 and retry:
            log.warning("paystack %s %s: HTTP %s, retrying", method, path, response.status_code)
            return self._backoff(attempt)
        return None

    def _transport_failure(self, method, path, error):
        kind = PaystackTimeout if isinstance(error, requests.Timeout) else PaystackUnavailable
        detail = self._redact(f"{method} {path}: {type(error).__name__}: {error}")
        log.warning("paystack %s", detail)
        if method == "GET" or _never_sent(error):
            return kind(detail=detail)
        return kind(
            "Paystack did not confirm the request, so it may or may not have been done. "
            "The desk checks with Paystack before trying again.",
            detail=detail, outcome_unknown=True,
        )

    def _envelope(self, method, path, response):
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        paystack_message = self._redact(body.get("message") or "")[:500] or None
        detail = f"{method} {path}: HTTP {response.status_code}: {paystack_message or 'no message'}"
        status = response.status_code
        if status == 401:
            log.error("paystack %s (check PAYSTACK_SECRET_KEY)", detail)
            raise PaystackAuthError(detail=detail, status_code=status, paystack_message=paystack_message)
        if status == 404:
            raise PaystackNotFound(
                f"Paystack does not know that record ({paystack_message or 'not found'}).",
                detail=detail, status_code=status, paystack_message=paystack_message,
            )
        if status == 429 or status >= 500:
            log.warning("paystack %s", detail)
            kind = PaystackUnavailable if status == 429 else PaystackServerError
            raise kind(
                detail=detail, status_code=status, paystack_message=paystack_message,
                outcome_unknown=method != "GET" and status != 429,
            )
        if status >= 400 or body.get("status") is not True:
            # Also a 200 with `status: false` (docs/paystack.md pitfall 12): Paystack did not do it.
            log.warning("paystack %s", detail)
            raise PaystackRejected(
                f"Paystack refused: {paystack_message or 'no reason given'}",
                detail=detail, status_code=status, paystack_message=paystack_message,
            )
        return body

    def _data(self, method, path, **kwargs):
        return self.request(method, path, **kwargs).get("data")

    def _list(self, path, params):
        body = self.request("GET", path, params=params)
        return list(body.get("data") or []), body.get("meta") or {}

    # ---- customers ---------------------------------------------------------------------------------------

    def create_customer(self, email, *, first_name=None, last_name=None, phone=None, metadata=None):
        body = {"email": email, "first_name": first_name, "last_name": last_name, "phone": phone,
                "metadata": metadata}
        return self._data("POST", "/customer", json={k: v for k, v in body.items() if v is not None})

    def fetch_customer(self, email_or_code):
        return self._data("GET", _path("customer", email_or_code))

    # ---- payment requests --------------------------------------------------------------------------------

    def create_payment_request(self, **fields):
        """`POST /paymentrequest` with Paystack's fields (`customer`, `line_items`, `currency`, …)."""
        return self._data("POST", "/paymentrequest", json=fields)

    def list_payment_requests(self, **filters):
        """`(items, meta)`; filters as Paystack names them (`customer` id, `status`, `currency`, `perPage`…)."""
        return self._list("/paymentrequest", filters)

    def fetch_payment_request(self, id_or_code):
        return self._data("GET", _path("paymentrequest", id_or_code))

    def verify_payment_request(self, code):
        return self._data("GET", _path("paymentrequest", "verify", code))

    def archive_payment_request(self, id_or_code):
        """Archived requests can no longer be paid, verified or listed (verify before archiving)."""
        self.request("POST", _path("paymentrequest", "archive", id_or_code))

    # ---- terminals ---------------------------------------------------------------------------------------

    def list_terminals(self, **params):
        """`(items, meta)`; cursor pagination (`next`, `previous`, `perPage`)."""
        return self._list("/terminal", params)

    def fetch_terminal(self, terminal_id):
        return self._data("GET", _path("terminal", terminal_id))

    def terminal_presence(self, terminal_id):
        """`{"online": bool, "available": bool}`."""
        return self._data("GET", _path("terminal", terminal_id, "presence"))

    def send_terminal_event(self, terminal_id, event_type, action, data):
        """Returns `{"id": <event id>}`. Never repeated automatically: a repeat shows the request twice."""
        return self._data("POST", _path("terminal", terminal_id, "event"),
                          json={"type": event_type, "action": action, "data": data})

    def terminal_event_status(self, terminal_id, event_id):
        """`{"delivered": bool}` — the device received the push (not that anyone paid)."""
        return self._data("GET", _path("terminal", terminal_id, "event", event_id))

    # ---- transactions and refunds ------------------------------------------------------------------------

    def verify_transaction(self, reference):
        return self._data("GET", _path("transaction", "verify", reference))

    def list_transactions(self, **filters):
        return self._list("/transaction", filters)

    def create_refund(self, *, transaction, amount=None, currency=None, customer_note=None, merchant_note=None):
        body = {"transaction": transaction, "amount": amount, "currency": currency,
                "customer_note": customer_note, "merchant_note": merchant_note}
        return self._data("POST", "/refund", json={k: v for k, v in body.items() if v is not None})


def _never_sent(error):
    """True when the request certainly did not reach Paystack (no connection was made)."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    if isinstance(error, requests.ConnectionError):
        reason = getattr(error.args[0], "reason", None) if error.args else None
        return isinstance(reason, NewConnectionError)
    return False


def get_client(app=None):
    """The Paystack client of `app` (default: the current app), made on first use."""
    app = app or current_app._get_current_object()
    client = app.extensions.get(EXTENSION_KEY)
    if client is None:
        client = app.extensions.setdefault(EXTENSION_KEY, PaystackClient(app.config))
    return client
