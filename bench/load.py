"""Load benchmark (not a test; run by hand): `.venv/bin/python bench/load.py`.

BENCH_LOAD_CASHIERS (50) signed-in cashiers, each in its own keep-alive session, loop for BENCH_LOAD_SECONDS (180)
over what a desk does: search patients, open an invoice, take a small cash payment, poll a terminal's waiting
screen; one more client streams signed Paystack webhooks. The app runs under gunicorn with 2 workers on a
throwaway PostgreSQL database. Prints requests, error rate, p50 and p95 per page in one summary block.
Loopback only; bounded in time.
"""
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.storm_world import DB_SERVER, free_port, wait_for_port  # noqa: E402
from tests.browser.harness import WorkerProcess  # noqa: E402
from tests.databases import throwaway_database  # noqa: E402

CASHIERS = int(os.environ.get("BENCH_LOAD_CASHIERS", "50"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "180"))
SECRET = "sk_test_bench_load"
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|type="hidden" name="csrf_token" value="([^"]+)"')


def seed(app, cashiers):
    """Cashiers, patients, one open invoice per cashier and one terminal push to poll."""
    from sqlalchemy import insert

    from billing_desk.extensions import db
    from billing_desk.models import Invoice, Patient, PaymentRequest, Staff, Terminal, TerminalPush

    with app.app_context():
        db.create_all()
        template = Staff(email="x@example.org", full_name="x", role="cashier")
        template.set_password(PASSWORD)  # hash once: 50 cashiers need not wait for 50 hashes
        db.session.execute(insert(Staff), [{"email": f"cashier{n}@load.example", "full_name": f"Cashier {n}",
                                            "role": "cashier", "password_hash": template.password_hash,
                                            "active": True} for n in range(cashiers)])
        db.session.execute(insert(Patient), [{"mrn": f"H{n:07d}", "first_name": f"Load{n % 97}",
                                              "last_name": f"Patient{n}"} for n in range(1, 2001)])
        db.session.execute(insert(Invoice), [{"patient_id": 1 + n, "number": f"INV-LOAD-{n:05d}", "status": "issued",
                                              "currency": "NGN", "subtotal_minor": 10**9, "total_minor": 10**9}
                                             for n in range(cashiers)])
        terminal = Terminal(terminal_id="2232WE17", name="Desk 1", status="active")
        request = PaymentRequest(invoice_id=1, paystack_id=1, request_code="PRQ_load", offline_reference="1",
                                 amount_minor=10**9, currency="NGN", status="pending")
        db.session.add_all([terminal, request])
        db.session.flush()
        db.session.add(TerminalPush(invoice_id=1, payment_request_id=request.id, terminal_id=terminal.id,
                                    status="delivered"))
        db.session.commit()


class Tally:
    def __init__(self):
        self.samples, self.errors, self.lock, self.payments = {}, {}, threading.Lock(), None

    def record(self, page, seconds, ok):
        with self.lock:
            self.samples.setdefault(page, []).append(seconds)
            self.errors[page] = self.errors.get(page, 0) + (not ok)


def timed(tally, page, call):
    started = time.perf_counter()
    try:
        response = call()
        ok = response.status_code < 400
    except requests.RequestException:
        response, ok = None, False
    tally.record(page, time.perf_counter() - started, ok)
    return response


def cashier_loop(base, number, tally, deadline):
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=30)
    token = next(g for g in CSRF.search(page.text).groups() if g)
    session.post(f"{base}/login", data={"csrf_token": token, "email": f"cashier{number}@load.example",
                                        "password": PASSWORD}, timeout=30)
    invoice = f"{base}/invoices/{number + 1}"
    while time.monotonic() < deadline:
        timed(tally, "patient search",
              lambda: session.get(f"{base}/patients/", params={"q": f"Load{number}"}, timeout=30))
        shown = timed(tally, "invoice page", lambda: session.get(invoice, timeout=30))
        match = shown is not None and CSRF.search(shown.text)
        if match:
            form = {"csrf_token": match.group(1) or match.group(2), "channel": "cash", "amount": "1",
                    "submission_key": uuid.uuid4().hex}
            timed(tally, "cash payment", lambda: session.post(f"{invoice}/payments", data=form, timeout=30,
                                                              allow_redirects=False))
        for _ in range(3):
            timed(tally, "waiting screen poll",
                  lambda: session.get(f"{base}/terminals/pushes/1/status.json", timeout=30))


def webhook_loop(base, tally, deadline):
    from billing_desk.paystack.signature import sign

    session = requests.Session()
    raw = (b'{"event":"paymentrequest.pending","data":{"id":1,"request_code":"PRQ_load","offline_reference":"1",'
           b'"amount":1000000000,"currency":"NGN","status":"pending","paid":false}}')
    while time.monotonic() < deadline:
        timed(tally, "webhook", lambda: session.post(f"{base}/paystack/webhook", data=raw, timeout=30, headers={
            "Content-Type": "application/json", "x-paystack-signature": sign(raw, SECRET)}))
        time.sleep(0.05)


def run():
    from billing_desk import create_app

    with throwaway_database(DB_SERVER, "bench_load") as database_url:
        port = free_port()
        config = {"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": "redis://127.0.0.1:6379/0",
                  "QUEUE_PREFIX": f"load-{uuid.uuid4().hex[:8]}", "PAYSTACK_SECRET_KEY": SECRET,
                  "PAYSTACK_BASE_URL": "http://127.0.0.1:9", "SECRET_KEY": "load-secret"}
        app = create_app({**config, "RATELIMIT_STORAGE_URI": "memory://"})
        seed(app, CASHIERS)
        env = {**WorkerProcess(config, os.devnull).environment(), "LOGIN_LIMIT": "100000 per minute",
               "REQUIRE_OPEN_SHIFT": "0", "RATELIMIT_STORAGE_URI": "memory://"}
        web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--worker-class",
                                "gthread", "--threads", "8", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                                "wsgi:app"], cwd=ROOT, env=env)
        try:
            wait_for_port(port)
            tally, deadline = Tally(), time.monotonic() + SECONDS
            base = f"http://127.0.0.1:{port}"
            threads = [threading.Thread(target=cashier_loop, args=(base, n, tally, deadline)) for n in range(CASHIERS)]
            threads.append(threading.Thread(target=webhook_loop, args=(base, tally, deadline)))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            with app.app_context():
                from billing_desk.extensions import db
                from billing_desk.models import Payment

                tally.payments = db.session.scalar(db.select(db.func.count(Payment.id)))
        finally:
            web.terminate()
            web.wait(timeout=15)
            with app.app_context():
                from billing_desk.extensions import db

                db.engine.dispose()
    return tally


def print_summary(tally):
    print(f"\n== load summary: {CASHIERS} cashiers, {SECONDS:.0f} s, gunicorn 2 workers × 8 threads ==")
    print(f"{'page':22s} {'requests':>9s} {'errors':>7s} {'error %':>8s} {'p50 ms':>8s} {'p95 ms':>8s}")
    for page, samples in sorted(tally.samples.items()):
        ordered = sorted(samples)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * (len(ordered) - 1)))]
        errors = tally.errors[page]
        print(f"{page:22s} {len(samples):9d} {errors:7d} {100 * errors / len(samples):7.2f}% "
              f"{statistics.median(samples) * 1000:8.0f} {p95 * 1000:8.0f}")
    print(f"cash payments recorded in the database: {tally.payments}")


if __name__ == "__main__":
    print_summary(run())
