"""The sandbox object: settings, state, fault knobs and the background webhook machinery, wired together."""
from flask import current_app

from billing_desk.sandbox.faults import Faults
from billing_desk.sandbox.scheduler import Scheduler
from billing_desk.sandbox.store import Store
from billing_desk.sandbox.webhooks import WebhookSender

EXTENSION_KEY = "paystack_sandbox"
ALLOWED_CURRENCIES = ["NGN", "GHS", "ZAR", "USD"]


class Sandbox:
    def __init__(self, settings):
        self.settings = settings
        self.store = Store(settings.terminals, settings.integration_id, settings.domain, settings.state_file)
        self.faults = Faults()
        self.scheduler = Scheduler()
        self.webhooks = WebhookSender(self.scheduler, self.faults, settings)

    def reset(self):
        """Back to a fresh start: no records, default knobs, empty delivery log, nothing queued."""
        self.scheduler.clear()
        self.scheduler.wait_idle(timeout_s=self.settings.webhook_timeout_s + 1)
        self.webhooks.clear()
        self.faults.reset()
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
