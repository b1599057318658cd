"""Signed webhook deliveries, sent in the background with retries, and the delivery log.

Each webhook is POSTed as JSON bytes with `x-paystack-signature` = HMAC-SHA512(body, secret key). Anything
but HTTP 200 (or a connection error/timeout) is a failed attempt and is retried with a doubling backoff.
The delivery fault knobs (drop, duplicate, bad signature, delay) are applied here.
"""
import itertools
import json
import threading

import requests

from billing_desk.paystack.signature import sign
from devtools.sandbox.common import iso_now

WRONG_KEY = "sk_test_this_is_not_the_integration_key"
LOG_LIMIT = 500


class WebhookSender:
    def __init__(self, scheduler, faults, settings):
        self._scheduler = scheduler
        self._faults = faults
        self._settings = settings
        self._lock = threading.Lock()
        self._log = []
        self._ids = itertools.count(1)
        self.revision = 0  # bumped on every log change, so the page knows to refresh

    def publish(self, events):
        """Queue `[(event_name, data), …]` for delivery, in that order."""
        delay_s = self._faults.get("delay_delivery_ms") / 1000
        for event, data in events:
            body = json.dumps({"event": event, "data": data}, separators=(",", ":")).encode("utf-8")
            if self._faults.take("drop_delivery_next"):
                self._record(event, data, status="dropped")
                continue
            copies = 2 if self._faults.get("duplicate_delivery") else 1
            for copy in range(copies):
                bad_signature = self._faults.take("bad_signature_next")
                delivery = self._record(event, data, status="queued", duplicate=copy > 0, bad_signature=bad_signature)
                self._scheduler.call_later(delay_s, lambda d=delivery, b=body: self._attempt(d, b))

    def deliveries(self):
        with self._lock:
            return [dict(d) for d in self._log]

    def clear(self):
        with self._lock:
            self._log.clear()
            self.revision += 1

    def _record(self, event, data, status, duplicate=False, bad_signature=False):
        delivery = {
            "id": next(self._ids),
            "event": event,
            "status": status,
            "attempts": 0,
            "status_code": None,
            "error": None,
            "url": None,
            "duplicate": duplicate,
            "bad_signature": bad_signature,
            "queued_at": iso_now(),
            "last_attempt_at": None,
            "data": data,
        }
        with self._lock:
            self._log.append(delivery)
            del self._log[:-LOG_LIMIT]
            self.revision += 1
        return delivery

    def _attempt(self, delivery, body):
        settings = self._settings
        url = settings.webhook_url
        if not url:
            self._update(delivery, status="skipped", error="no webhook URL configured")
            return
        key = WRONG_KEY if delivery["bad_signature"] else settings.secret_key
        headers = {"Content-Type": "application/json", "x-paystack-signature": sign(body, key)}
        status_code, error = None, None
        try:
            response = requests.post(url, data=body, headers=headers, timeout=settings.webhook_timeout_s)
            status_code = response.status_code
            response.close()
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        attempts = delivery["attempts"] + 1
        if status_code == 200:
            status = "delivered"
        elif attempts < settings.webhook_max_attempts:
            status = "retrying"
            backoff_s = settings.webhook_retry_base_s * 2 ** (attempts - 1)
            self._scheduler.call_later(backoff_s, lambda: self._attempt(delivery, body))
        else:
            status = "failed"
        self._update(
            delivery, status=status, attempts=attempts, status_code=status_code, error=error, url=url,
            last_attempt_at=iso_now(),
        )

    def _update(self, delivery, **changes):
        with self._lock:
            delivery.update(changes)
            self.revision += 1
