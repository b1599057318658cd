"""The sandbox object: settings, state, fault knobs and the background webhook machinery, wired together."""
import threading
from collections import deque

from flask import current_app

from devtools.sandbox.faults import Faults
from devtools.sandbox.scheduler import Scheduler
from devtools.sandbox.store import Store
from devtools.sandbox.webhooks import WebhookSender

EXTENSION_KEY = "paystack_sandbox"
ALLOWED_CURRENCIES = ["NGN", "GHS", "ZAR", "USD"]
CALL_LOG_LIMIT = 500


class CallLog:
    """The Paystack API calls the sandbox received, oldest first; only the last `CALL_LOG_LIMIT` are kept.

    Records tell what exists; this tells what was *asked* — so a test can prove the app made no call at all
    (a page that must not touch Paystack), or exactly one create, without standing in for the client.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._calls = deque(maxlen=CALL_LOG_LIMIT)

    def add(self, method, path, query):
        with self._lock:
            self._calls.append({"method": method, "path": path, "query": query})

    def calls(self):
        with self._lock:
            return [dict(call) for call in self._calls]

    def clear(self):
        with self._lock:
            self._calls.clear()


class Sandbox:
    def __init__(self, settings):
        self.settings = settings
        self.store = Store(settings.terminals, settings.integration_id, settings.domain, settings.state_file)
        self.faults = Faults()
        self.scheduler = Scheduler()
        self.webhooks = WebhookSender(self.scheduler, self.faults, settings)
        self.api_calls = CallLog()

    def reset(self):
        """Back to a fresh start: no records, default knobs, empty delivery and call logs, nothing queued."""
        self.scheduler.clear()
        self.scheduler.wait_idle(timeout_s=self.settings.webhook_timeout_s + 1)
        self.webhooks.clear()
        self.faults.reset()
        self.api_calls.clear()
        self.store.reset()

    def close(self):
        self.scheduler.stop()

    def integration_object(self):
        """`integration` as the verify endpoint shows it."""
        return {
            "key": self.settings.public_key,
            "name": self.settings.business_name,
            "logo": "",
            "allowed_currencies": list(ALLOWED_CURRENCIES),
        }


def get_sandbox():
    return current_app.extensions[EXTENSION_KEY]
