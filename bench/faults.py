"""Paystack fault benchmark (not a test; run by hand): `.venv/bin/python bench/faults.py` (BENCH_FAULT_PUSHES=500).

Each invoice is charged on a terminal the way the desk does it (`push_to_terminal`, what "Charge on
terminal" calls), while the sandbox answers 500 to 30% of the pushes' Paystack calls and lets 10% of the
payment-request creates time out after making the request. The cashier presses the button again after
each failure (at most 8 times; told "being prepared, try again in a moment", they wait the few seconds the desk
asks for), and the patient pays once it is on the terminal. Prints: invoices pushed vs asked,
payment requests at Paystack per invoice (duplicates must be 0), failures by the message the cashier saw.
"""
import os
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from bench.storm_world import DB_SERVER  # noqa: E402
from tests.databases import throwaway_database  # noqa: E402

PUSHES = int(os.environ.get("BENCH_FAULT_PUSHES", "500"))
SECRET = "sk_test_bench_faults"
TERMINAL = "2232WE17"
ATTEMPTS = 8
# The desk refuses to look up an unconfirmed create until connect + read timeout + 5 s have passed.
CONNECT_S, READ_S = 0.5, 1.0
PATIENCE_S = CONNECT_S + READ_S + 5 + 0.5


def charge_until_pushed(sandbox_url, invoice_id, terminal_id, staff_id, rng, seen):
    """Press "Charge on terminal" until it works; returns the number of presses."""
    from billing_desk.extensions import db
    from billing_desk.paystack.errors import PaystackError
    from billing_desk.paystack.creation import RequestInProgress, SyncRefused
    from billing_desk.paystack.terminal_pushes import push_to_terminal

    for attempt in range(1, ATTEMPTS + 1):
        roll = rng.random()
        knob = {"fail_next": 1} if roll < 0.30 else {"timeout_after_create_next": 1} if roll < 0.40 else {}
        requests.post(f"{sandbox_url}/_sandbox/faults", json=knob, timeout=10).raise_for_status()
        try:
            push_to_terminal(invoice_id, terminal_id, staff_id)
            db.session.commit()
            return attempt
        except (PaystackError, SyncRefused) as failure:
            db.session.rollback()
            seen[f"{failure.__class__.__name__}: {str(failure)[:90]}"] += 1
            if isinstance(failure, RequestInProgress):
                time.sleep(PATIENCE_S)  # "Try again in a moment": the cashier waits, as the message asks
        finally:
            requests.post(f"{sandbox_url}/_sandbox/faults", json={"fail_next": 0, "timeout_after_create_next": 0},
                          timeout=10)
    return None


def run():
    from billing_desk import create_app
    from billing_desk.extensions import db
    from billing_desk.models import Invoice, Patient, PaymentRequest, Staff, Terminal
    from billing_desk.paystack.terminals import sync_terminals
    from devtools.sandbox import SandboxServer, create_sandbox_app

    sandbox = SandboxServer(create_sandbox_app({"SECRET_KEY": SECRET, "WEBHOOK_URL": None})).start()
    rng, seen, presses = random.Random(15), Counter(), []
    try:
        with throwaway_database(DB_SERVER, "bench_faults") as database_url:
            app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None,
                              "PAYSTACK_SECRET_KEY": SECRET,
                              "PAYSTACK_BASE_URL": sandbox.base_url, "PAYSTACK_READ_TIMEOUT": READ_S,
                              "PAYSTACK_CONNECT_TIMEOUT": CONNECT_S,
                              "PAYSTACK_RETRY_BACKOFF": 0.01, "RATELIMIT_STORAGE_URI": "memory://"})
            requests.post(f"{sandbox.base_url}/_sandbox/faults", json={"timeout_sleep_s": 1.5}, timeout=10)
            with app.app_context():
                db.create_all()
                staff = Staff(email="faults@example.org", full_name="Fault Cashier", role="cashier",
                              password_hash="x")
                db.session.add_all([staff, Patient(mrn="H0000001", first_name="Fault", last_name="Patient")])
                db.session.flush()
                db.session.execute(insert(Invoice), [
                    {"patient_id": 1, "number": f"INV-FAULT-{n:05d}", "status": "issued", "currency": "NGN",
                     "subtotal_minor": 500_000, "total_minor": 500_000} for n in range(PUSHES)])
                sync_terminals(actor_id=None)
                db.session.commit()
                terminal_id = db.session.scalar(select(Terminal.id).where(Terminal.terminal_id == TERMINAL))
                started = time.perf_counter()
                for invoice_id in range(1, PUSHES + 1):
                    presses.append(charge_until_pushed(sandbox.base_url, invoice_id, terminal_id, staff.id, rng, seen))
                    if presses[-1] is not None:
                        requests.post(f"{sandbox.base_url}/_sandbox/terminals/{TERMINAL}/approve", json={}, timeout=10)
                seconds = time.perf_counter() - started
                ours = db.session.scalar(select(db.func.count(PaymentRequest.id)))
                db.engine.dispose()
            state = requests.get(f"{sandbox.base_url}/_sandbox/state", timeout=30).json()
            at_paystack = Counter(re.search(r"INV-FAULT-\d+", r.get("description") or "").group(0)
                                  for r in state["payment_requests"])
    finally:
        sandbox.stop()
    return {"presses": presses, "seen": seen, "seconds": seconds, "ours": ours, "at_paystack": at_paystack}


def print_summary(r):
    pushed = [p for p in r["presses"] if p is not None]
    created = sum(r["at_paystack"].values())
    print(f"\n== Paystack fault summary: {len(r['presses'])} invoices, 30% 500s, 10% creates timing out ==")
    print(f"invoices pushed {len(pushed)} / {len(r['presses'])}   presses {sum(pushed)} "
          f"(max {max(pushed, default=0)} for one invoice)   {r['seconds']:.0f} s")
    duplicates = sum(count - 1 for count in r["at_paystack"].values())
    print(f"payment requests at Paystack {created}, in the desk {r['ours']}, invoices with two or more: "
          f"{sum(count > 1 for count in r['at_paystack'].values())}, duplicates {duplicates} (must be 0)")
    print("what the cashier was told:")
    for message, count in r["seen"].most_common():
        print(f"  {count:4d} × {message}")


if __name__ == "__main__":
    print_summary(run())
