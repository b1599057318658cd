"""The sandbox's state: plain JSON-able dicts behind one re-entrant lock, optionally mirrored to a file.

Every record is keyed by a string (so the whole state round-trips through JSON). Use `store.read()` to look
and `store.write()` to change; `write()` bumps `version` (the terminals page polls it) and saves the file.
"""
import json
import os
import threading
from contextlib import contextmanager
from pathlib import Path

# First ids handed out, chosen to look like Paystack's (so offline_reference is 13 digits, as in the docs).
FIRST_IDS = {
    "customer": 90314400,
    "payment_request": 5521000,
    "transaction": 4410983200,
    "refund": 1250000,
    "terminal": 1400,
}
COLLECTIONS = ("customers", "payment_requests", "transactions", "refunds", "terminals", "events")


class Store:
    def __init__(self, terminals, integration_id, domain, state_file=None):
        self._lock = threading.RLock()
        self._terminals = [dict(t) for t in terminals]
        self.integration_id = integration_id
        self.domain = domain
        self._state_file = Path(state_file) if state_file else None
        self.version = 0
        self.data = self._load() or self._fresh()

    @contextmanager
    def read(self):
        with self._lock:
            yield self.data

    @contextmanager
    def write(self):
        """Hold the lock while changing `data`; the change is published (version, file) only if no error escaped."""
        with self._lock:
            yield self.data
            self.version += 1
            self._save()

    def reset(self):
        with self.write():
            self.data.clear()
            self.data.update(self._fresh())

    def next_id(self, kind):
        """The next integer id for `kind` (call inside `write()`)."""
        counters = self.data["counters"]
        counters[kind] = counters.get(kind, FIRST_IDS[kind]) + 1
        return counters[kind]

    def _fresh(self):
        state = {name: {} for name in COLLECTIONS}
        state["counters"] = dict(FIRST_IDS, invoice_number=0)
        for index, config in enumerate(self._terminals, start=1):
            terminal = {
                "id": FIRST_IDS["terminal"] + index,
                "serial_number": config.get("serial_number") or f"08{index:02d}2240{config['terminal_id'][:4]}",
                "device_make": config.get("device_make", "PAX"),
                "terminal_id": config["terminal_id"],
                "integration": self.integration_id,
                "domain": self.domain,
                "name": config.get("name") or config["terminal_id"],
                "address": config.get("address"),
                "status": "active",
                "split_code": None,
                # Simulation state, never shown through the Paystack API shapes.
                "online": bool(config.get("online", True)),
                "available": bool(config.get("available", True)),
                "push": None,
            }
            state["terminals"][terminal["terminal_id"]] = terminal
        return state

    def _load(self):
        if not self._state_file or not self._state_file.exists():
            return None
        with self._state_file.open(encoding="utf-8") as handle:
            return json.load(handle)

    def _save(self):
        if not self._state_file:
            return
        self._state_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self._state_file.with_suffix(self._state_file.suffix + ".tmp")
        partial.write_text(json.dumps(self.data), encoding="utf-8")
        os.replace(partial, self._state_file)
