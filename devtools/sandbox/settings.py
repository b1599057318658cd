"""Sandbox settings: a config dict first, then `SANDBOX_*`/`PAYSTACK_*` environment variables, then defaults."""
import json
import os
from dataclasses import dataclass, field

DEFAULT_TERMINALS = (
    {"terminal_id": "2232WE17", "name": "Desk 1", "address": "Cashier desk 1, ground floor"},
    {"terminal_id": "3911QX42", "name": "Desk 2", "address": "Cashier desk 2, ground floor"},
)


@dataclass
class Settings:
    secret_key: str = "sk_test_sandbox"
    webhook_url: str | None = None
    state_file: str | None = None
    terminals: list = field(default_factory=lambda: [dict(t) for t in DEFAULT_TERMINALS])
    integration_id: int = 463433
    domain: str = "test"
    business_name: str = "Billing Desk Hospital (sandbox)"
    refunded_by: str = "payments@sandbox.test"
    # Paystack retries hourly in test mode; the sandbox compresses that to a few quick attempts.
    webhook_max_attempts: int = 4
    webhook_retry_base_s: float = 0.5  # waits 0.5 s, 1 s, 2 s … between attempts
    webhook_timeout_s: float = 5.0

    @property
    def public_key(self):
        """The `pk_…` key a verify response shows in `integration.key`."""
        return "pk_" + self.secret_key.removeprefix("sk_")

    @classmethod
    def from_config(cls, config=None):
        config = dict(config or {})
        env = os.environ
        values = {
            "secret_key": config.get("SECRET_KEY") or env.get("PAYSTACK_SECRET_KEY") or cls.secret_key,
            "webhook_url": config["WEBHOOK_URL"] if "WEBHOOK_URL" in config else env.get("SANDBOX_WEBHOOK_URL"),
            "state_file": config.get("STATE_FILE") or env.get("SANDBOX_STATE_FILE"),
            "integration_id": int(config.get("INTEGRATION_ID") or env.get("SANDBOX_INTEGRATION_ID") or 463433),
            "domain": config.get("DOMAIN") or env.get("SANDBOX_DOMAIN") or cls.domain,
        }
        terminals = config.get("TERMINALS") or _json_env("SANDBOX_TERMINALS")
        if terminals:
            values["terminals"] = [dict(t) for t in terminals]
        for name in ("webhook_max_attempts", "webhook_retry_base_s", "webhook_timeout_s", "business_name"):
            if name.upper() in config:
                values[name] = config[name.upper()]
        return cls(**values)


def _json_env(name):
    raw = os.environ.get(name)
    return json.loads(raw) if raw else None
