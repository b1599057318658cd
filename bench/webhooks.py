"""Webhook benchmark (not a test; run by hand): `.venv/bin/python bench/webhooks.py`.

Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (as the test suite does). It makes a throwaway
database, runs the app under gunicorn (2 workers) and the Paystack sandbox on loopback, and measures:

1. accepted webhooks per second (pre-signed `POST /paystack/webhook`) vs the bare `GET /healthz` route,
   from the same threaded keep-alive load client in the same run — target ≥ 0.5×;
2. stored events applied per second by an `rq.SimpleWorker` vs RQ no-op jobs on the same worker class
   — target ≥ 0.6×;
3. terminal approve → invoice paid latency through sandbox webhooks, gunicorn, Redis and a worker
   (`flask worker`) — target p95 < 1 s.

Everything is bounded in count and time (about a minute and a half in all) and talks to loopback only.
Options via environment: BENCH_DB_SERVER (a PostgreSQL URL whose server gets the throwaway database; bench/support.py),
BENCH_REQUESTS (default 3000), BENCH_THREADS (8), BENCH_LATENCY_ROUNDS (30).
"""
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from loadgen import free_port, wait_for  # noqa: E402
from support import percentile, throwaway_database  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/0"
SECRET = "sk_test_bench_webhooks"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "3000"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
LATENCY_ROUNDS = int(os.environ.get("BENCH_LATENCY_ROUNDS", "30"))
PHASE_SECONDS = 15  # upper bound for each load phase
TERMINAL_CODE = "2232WE17"
VENV_BIN = Path(sys.executable).parent


def noop():
    """The RQ job with no work, for the worker baseline."""


def fire(url, bodies=None, count=REQUESTS, threads=THREADS, seconds=PHASE_SECONDS):
    """Send `count` requests from `threads` keep-alive sessions (POST `bodies[i]` when given, else GET).

    Returns (ok, errors, elapsed seconds); stops early at `seconds`.
    """
    lock = threading.Lock()
    state = {"next": 0, "ok": 0, "errors": 0}
    deadline = time.monotonic() + seconds

    def worker():
        session = requests.Session()
        while time.monotonic() < deadline:
            with lock:
                index = state["next"]
                if index >= count:
                    break
                state["next"] += 1
            try:
                if bodies is None:
                    response = session.get(url, timeout=10)
                else:
                    raw, signature = bodies[index]
                    response = session.post(url, data=raw, timeout=10, headers={
                        "Content-Type": "application/json", "x-paystack-signature": signature})
                good = response.status_code == 200
            except requests.RequestException:
                good = False
            with lock:
                state["ok" if good else "errors"] += 1
        session.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return state["ok"], state["errors"], time.perf_counter() - started


def seed(app, count):
    """A cashier, Desk 1's terminal, one invoice and `count` payment requests for the pending webhooks."""
    from billing_desk.extensions import db
    from billing_desk.models import Invoice, Patient, PaymentRequest, Staff, Terminal

    with app.app_context():
        db.create_all()
        staff = Staff(email="bench@example.org", full_name="Bench Cashier", role="cashier")
        staff.set_password("correct horse battery")
        terminal = Terminal(terminal_id=TERMINAL_CODE, name="Desk 1")
        patient = Patient(mrn="MRN-BENCH", first_name="Ada", last_name="Obi")
        db.session.add_all([staff, terminal, patient])
        db.session.flush()
        invoice = Invoice(patient_id=patient.id, number="INV-BENCH-0", status="issued", total_minor=100,
                          subtotal_minor=100)
        db.session.add(invoice)
        db.session.flush()
        db.session.execute(insert(PaymentRequest), [
            {"invoice_id": invoice.id, "paystack_id": 90_000_000 + i, "request_code": f"PRQ_bench{i:07d}",
             "offline_reference": f"463433{90_000_000 + i}", "amount_minor": 100, "currency": "NGN",
             "status": "creating"}
            for i in range(count)
        ])
        db.session.commit()
        return staff.id, terminal.id, patient.id


def pending_bodies(count):
    from billing_desk.paystack.signature import sign

    bodies = []
    for i in range(count):
        raw = json.dumps({"event": "paymentrequest.pending", "data": {
            "id": 90_000_000 + i, "request_code": f"PRQ_bench{i:07d}", "offline_reference": f"463433{90_000_000 + i}",
            "amount": 100, "currency": "NGN", "status": "pending", "paid": False, "paid_at": None, "metadata": None,
            "customer": 1, "line_items": [], "tax": [], "notifications": [], "domain": "test",
        }}, separators=(",", ":")).encode()
        bodies.append((raw, sign(raw, SECRET)))
    return bodies


def drain(queue, connection):
    """Run a SimpleWorker in burst mode over `queue`; returns (jobs run, seconds)."""
    from rq import SimpleWorker

    jobs = len(queue)
    started = time.perf_counter()
    SimpleWorker([queue], connection=connection).work(burst=True, logging_level="WARNING")
    return jobs, time.perf_counter() - started


def latency_rounds(app, sandbox_url, staff_id, terminal_id, patient_id, rounds):
    from billing_desk.extensions import db
    from billing_desk.models import Invoice, InvoiceLine
    from billing_desk.paystack.terminal_pushes import push_to_terminal
    from billing_desk.timeutil import utcnow

    latencies, failures = [], 0
    with app.app_context():
        for n in range(rounds):
            invoice = Invoice(patient_id=patient_id, number=f"INV-BENCH-{n + 1}", status="issued", currency="NGN",
                              subtotal_minor=750000, total_minor=750000, issued_at=utcnow())
            invoice.lines.append(InvoiceLine(description="Consultation", quantity=1, unit_price_minor=750000,
                                             line_total_minor=750000))
            db.session.add(invoice)
            db.session.commit()
            push_to_terminal(invoice.id, terminal_id, staff_id)
            db.session.commit()
            started = time.perf_counter()
            response = requests.post(f"{sandbox_url}/_sandbox/terminals/{TERMINAL_CODE}/approve", json={}, timeout=10)
            response.raise_for_status()
            while time.perf_counter() - started < 5:
                status = db.session.execute(select(Invoice.status).where(Invoice.id == invoice.id)).scalar()
                db.session.rollback()
                if status == "paid":
                    latencies.append(time.perf_counter() - started)
                    break
                time.sleep(0.005)
            else:
                failures += 1
    return latencies, failures


def main():
    with throwaway_database("bench_webhooks") as database_url:
        results = measure(database_url)
    print_ratios(results)


def measure(database_url):
    from redis import Redis
    from rq import Queue

    from billing_desk import create_app
    from devtools.sandbox import SandboxServer, create_sandbox_app

    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    port = free_port()
    sandbox = SandboxServer(create_sandbox_app({
        "SECRET_KEY": SECRET, "WEBHOOK_URL": f"http://127.0.0.1:{port}/paystack/webhook",
    })).start()
    config = {
        "APP_ENV": "development", "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "QUEUE_PREFIX": prefix,
        "PAYSTACK_SECRET_KEY": SECRET, "PAYSTACK_BASE_URL": sandbox.base_url, "RATELIMIT_STORAGE_URI": "memory://",
    }
    env = {**os.environ, **config}
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": REDIS_URL, "QUEUE_PREFIX": prefix,
        "PAYSTACK_SECRET_KEY": SECRET, "PAYSTACK_BASE_URL": sandbox.base_url, "RATELIMIT_STORAGE_URI": "memory://",
    })
    redis = Redis.from_url(REDIS_URL)
    processes = []
    results = {}
    try:
        staff_id, terminal_id, patient_id = seed(app, REQUESTS)
        bodies = pending_bodies(REQUESTS)
        gunicorn = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--workers", "2", "--worker-class", "gthread", "--threads", "4",
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env,
        )
        processes.append(gunicorn)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz")
        fire(f"{base}/healthz", count=300)  # warm up both workers' connections

        print(f"1. acceptance: {REQUESTS} requests, {THREADS} keep-alive client threads, gunicorn 2 workers × 4 threads")
        ok, errors, seconds = fire(f"{base}/healthz")
        health_rate = ok / seconds
        print(f"   GET  /healthz          {ok:5d} ok {errors:3d} errors {seconds:6.2f} s  {health_rate:8.0f}/s")
        ok, errors, seconds = fire(f"{base}/paystack/webhook", bodies)
        hook_rate = ok / seconds
        print(f"   POST /paystack/webhook {ok:5d} ok {errors:3d} errors {seconds:6.2f} s  {hook_rate:8.0f}/s")
        results["accept"] = hook_rate / health_rate

        print("2. applying: SimpleWorker, burst mode, in this process")
        with app.app_context():
            from billing_desk.extensions import db
            from billing_desk.jobs import get_queue
            from billing_desk.models import WebhookEvent

            queue = get_queue("webhooks")
            jobs, seconds = drain(queue, redis)
            applied = db.session.scalar(select(db.func.count()).select_from(WebhookEvent).where(
                WebhookEvent.processed_at.is_not(None)))
            db.session.rollback()
            apply_rate = applied / seconds if seconds else 0
            print(f"   webhook events  {jobs:5d} jobs, {applied:5d} applied {seconds:6.2f} s  {apply_rate:8.0f}/s")
            noop_queue = Queue(f"{prefix}-noop", connection=redis)
            noop_queue.enqueue_many([Queue.prepare_data(noop) for _ in range(max(jobs, 1))])
            noops, seconds = drain(noop_queue, redis)
            noop_rate = noops / seconds
            print(f"   no-op jobs      {noops:5d} jobs                {seconds:6.2f} s  {noop_rate:8.0f}/s")
            results["apply"] = apply_rate / noop_rate

        print(f"3. latency: approve on the sandbox terminal → invoice paid, {LATENCY_ROUNDS} rounds")
        worker = subprocess.Popen([str(VENV_BIN / "flask"), "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(worker)
        time.sleep(1.0)  # let the worker register and start listening
        latencies, failures = latency_rounds(app, sandbox.base_url, staff_id, terminal_id, patient_id, LATENCY_ROUNDS)
        if latencies:
            p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
            print(f"   p50 {p50 * 1000:6.0f} ms   p95 {p95 * 1000:6.0f} ms   max {max(latencies) * 1000:6.0f} ms"
                  f"   ({failures} not paid within 5 s)")
            results["p95"] = p95
        else:
            print(f"   no round completed ({failures} not paid within 5 s)")
            results["p95"] = float("inf")
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        sandbox.stop()
        keys = list(redis.scan_iter(match=f"*{prefix}*", count=1000))
        if keys:
            redis.delete(*keys)
        with app.app_context():
            from billing_desk.extensions import db

            db.session.remove()
            db.engine.dispose()
    return results


def print_ratios(results):
    print("\nratios")
    checks = [
        ("accepted webhooks / bare 200 route", results.get("accept", 0), results.get("accept", 0) >= 0.5, "≥ 0.5×"),
        ("applied events / RQ no-op jobs", results.get("apply", 0), results.get("apply", 0) >= 0.6, "≥ 0.6×"),
    ]
    for label, value, good, target in checks:
        print(f"   {label:38s} {value:5.2f}×  target {target}  {'OK' if good else 'MISSED'}")
    p95 = results.get("p95", float("inf"))
    print(f"   {'approve → paid p95':38s} {p95 * 1000:5.0f} ms target < 1000 ms  {'OK' if p95 < 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
