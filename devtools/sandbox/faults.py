"""Fault knobs: ways to make the sandbox misbehave on purpose, so the app's error handling can be exercised.

Counters (`*_next`) are spent one per occurrence; flags and durations stay until changed or reset.
"""
import threading

from devtools.sandbox.common import validation_error

DEFAULTS = {
    "latency_ms": 0,  # every Paystack API call sleeps this long first
    "fail_next": 0,  # the next N API calls answer 500
    "timeout_after_create_next": 0,  # the next N POST /paymentrequest create, then sleep timeout_sleep_s
    "timeout_sleep_s": 5.0,
    "duplicate_delivery": False,  # every webhook is delivered twice
    "reorder_delivery": False,  # charge.success goes out before paymentrequest.success
    "delay_delivery_ms": 0,  # webhooks wait this long before the first attempt
    "bad_signature_next": 0,  # the next N deliveries are signed with a wrong key
    "drop_delivery_next": 0,  # the next N webhooks are never sent
    "refund_outcome": "processed",  # "processed" or "failed"
    "refund_delay_ms": 300,  # how long a refund stays pending before it settles
    "send_pending_webhook": False,  # also send paymentrequest.pending when a request is created
}
REFUND_OUTCOMES = ("processed", "failed")


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self._values = dict(DEFAULTS)

    def snapshot(self):
        with self._lock:
            return dict(self._values)

    def get(self, name):
        with self._lock:
            return self._values[name]

    def update(self, changes):
        """Validate and apply `changes` (unknown knobs and bad values are refused, nothing applied)."""
        unknown = sorted(set(changes) - set(DEFAULTS))
        if unknown:
            raise validation_error(f"Unknown fault knob(s): {', '.join(unknown)}")
        cleaned = {name: _coerce(name, value) for name, value in changes.items()}
        with self._lock:
            self._values.update(cleaned)
            return dict(self._values)

    def reset(self):
        with self._lock:
            self._values = dict(DEFAULTS)

    def take(self, name):
        """Spend one unit of counter `name`; True if there was one to spend."""
        with self._lock:
            if self._values[name] > 0:
                self._values[name] -= 1
                return True
            return False


def _coerce(name, value):
    default = DEFAULTS[name]
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                return value.strip().lower() in ("true", "1", "yes", "on")
            return bool(value)
        if name == "refund_outcome":
            if value not in REFUND_OUTCOMES:
                raise ValueError
            return value
        number = type(default)(value if value not in ("", None) else 0)
    except (TypeError, ValueError):
        raise validation_error(f"Bad value for fault knob {name}: {value!r}") from None
    if number < 0:
        raise validation_error(f"Fault knob {name} cannot be negative")
    return number
