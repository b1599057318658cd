"""The running product the storm (bench/storm.py) hits, and the faults it suffers.

A throwaway PostgreSQL database, a Redis server on a spare port (restartable), the Paystack sandbox, the app
under gunicorn (2 workers), two `flask worker` processes kept alive by a small supervisor, and the sweep run
every 2 s in a thread of this process (its age thresholds lowered so a lost job is found within seconds).
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import requests
from sqlalchemy import func, insert, select

from billing_desk import create_app
from billing_desk.extensions import db
from billing_desk.models import Invoice, Patient, Payment, PaymentReview, Staff, Terminal, WebhookEvent
from tests.browser.harness import WorkerProcess
from tests.databases import throwaway_database

ROOT = Path(__file__).resolve().parents[1]
DB_SERVER = os.environ.get("BENCH_DB_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SECRET = "sk_test_bench_storm"
AMOUNT = 750_000
TERMINALS = ("2232WE17", "3911QX42")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class StormWorld:
    secret = SECRET

    def __init__(self, prefix, db_server=None):
        self.prefix, self.stack, self.workers, self.worker_restarts = prefix, ExitStack(), [], 0
        self.db_server = db_server or DB_SERVER
        self.redis_port, self.web_port, self.redis, self.gunicorn = free_port(), free_port(), None, None
        self.webhook_url = f"http://127.0.0.1:{self.web_port}/paystack/webhook"
        self.stopping = threading.Event()

    def __enter__(self):
        self.database_url = self.stack.enter_context(throwaway_database(self.db_server, "bench_storm"))
        self.stack.callback(self._stop_processes)
        return self

    def __exit__(self, *exc):
        self.stack.close()

    # ---- processes -------------------------------------------------------------------------------------
    def config(self):
        return {
            "SQLALCHEMY_DATABASE_URI": self.database_url, "SECRET_KEY": "storm-secret", "APP_ENV": "development",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0", "QUEUE_PREFIX": self.prefix,
            "PAYSTACK_SECRET_KEY": SECRET, "PAYSTACK_BASE_URL": self.sandbox.base_url, "PAYSTACK_READ_TIMEOUT": 10,
            "RATELIMIT_STORAGE_URI": "memory://", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": 9,
            "PAYSTACK_SWEEP_EVENT_AGE_SECONDS": 3, "PAYSTACK_SWEEP_VERIFY_AFTER_SECONDS": 30,
        }

    def start(self, webhook_url):
        from devtools.sandbox import SandboxServer, create_sandbox_app

        self._start_redis()
        self.sandbox = SandboxServer(create_sandbox_app({"SECRET_KEY": SECRET, "WEBHOOK_URL": webhook_url})).start()
        self.stack.callback(self.sandbox.stop)
        self.app = create_app(self.config())
        with self.app.app_context():
            db.create_all()

    def _start_redis(self):
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.redis_port)

    def restart_redis(self):
        """SIGKILL Redis (nothing on disk: every queued job is lost) and start it again on the same port."""
        self.redis.kill()
        self.redis.wait()
        time.sleep(1.0)
        self._start_redis()

    def start_app_and_workers(self):
        env = {**WorkerProcess(self.config(), os.devnull).environment(), "PAYSTACK_BASE_URL": self.sandbox.base_url}
        self.gunicorn = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--worker-class", "gthread",
             "--threads", "4", "--bind", f"127.0.0.1:{self.web_port}", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env)
        wait_for_port(self.web_port)
        self.workers = [self._worker(n) for n in range(2)]
        threading.Thread(target=self._supervise, daemon=True).start()
        threading.Thread(target=self._sweep_loop, daemon=True).start()

    def _worker(self, number):
        log = Path(f"/tmp/{self.prefix}-worker{number}.log")
        return WorkerProcess(self.config(), log).start()

    def kill_worker(self):
        self.workers[0].kill()

    def _supervise(self):
        while not self.stopping.wait(0.5):
            for number, worker in enumerate(self.workers):
                if worker.process.poll() is not None:
                    self.workers[number] = self._worker(number)
                    self.worker_restarts += 1

    def _sweep_loop(self):
        from billing_desk.paystack import sweep

        while not self.stopping.wait(2.0):
            with self.app.app_context():
                try:
                    sweep.run()
                except Exception as error:  # Redis restarting: the next pass tries again
                    print(f"   sweep pass failed: {error.__class__.__name__}")
                finally:
                    db.session.remove()

    def _stop_processes(self):
        self.stopping.set()
        for worker in self.workers:
            worker.stop()
        for process in (self.gunicorn, self.redis):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=15)
        if getattr(self, "app", None) is not None:
            with self.app.app_context():
                db.engine.dispose()

    # ---- the payments ----------------------------------------------------------------------------------
    def pay_invoices(self, n, wrong_fraction):
        """N issued invoices, pushed and approved on the two terminals in turn; returns how many were paid
        with a wrong amount (every twentieth)."""
        from billing_desk.paystack.terminal_pushes import push_to_terminal
        from billing_desk.paystack.terminals import sync_terminals

        with self.app.app_context():
            staff = Staff(email="storm@example.org", full_name="Storm Cashier", role="cashier")
            staff.set_password("correct horse battery")
            db.session.add(staff)
            db.session.add_all(Patient(mrn=f"H{i:07d}", first_name="Storm", last_name=f"Patient{i}")
                               for i in range(1, 21))
            db.session.flush()
            db.session.execute(insert(Invoice), [
                {"patient_id": 1 + i % 20, "number": f"INV-STORM-{i:06d}", "status": "issued", "currency": "NGN",
                 "subtotal_minor": AMOUNT, "total_minor": AMOUNT, "due_date": date.today()} for i in range(n)])
            sync_terminals(actor_id=None)
            db.session.commit()
            terminals = db.session.execute(select(Terminal.id, Terminal.terminal_id)).all()
            staff_id = staff.id
        every = round(1 / wrong_fraction)
        wrong = [i for i in range(n) if i % every == every - 1]

        def pay_on(terminal):
            terminal_id, code = terminal
            with self.app.app_context():
                for i in range(TERMINALS.index(code), n, 2):
                    push_to_terminal(i + 1, terminal_id, staff_id)
                    db.session.commit()
                    amount = {"amount": AMOUNT - 10_000} if i in wrong else {}
                    requests.post(f"{self.sandbox.base_url}/_sandbox/terminals/{code}/approve", json=amount,
                                  timeout=30).raise_for_status()
                db.session.remove()

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(pay_on, terminals))
        requests.post(f"{self.sandbox.base_url}/_sandbox/deliveries/wait", json={"timeout_s": 120}, timeout=130)
        return len(wrong)

    # ---- the end state ---------------------------------------------------------------------------------
    def counts(self):
        with self.app.app_context():
            scalar = db.session.scalar
            result = {
                "paid": scalar(select(func.count(Invoice.id)).where(Invoice.status == "paid")),
                "payments": scalar(select(func.count(Payment.id))),
                "references": scalar(select(func.count(func.distinct(Payment.paystack_reference)))),
                "overpaid": scalar(select(func.count(Invoice.id))
                                   .where(Invoice.amount_paid_minor > Invoice.total_minor)),
                "reviews": scalar(select(func.count(PaymentReview.id))),
                "unprocessed": scalar(select(func.count(WebhookEvent.id)).where(WebhookEvent.processed_at.is_(None))),
            }
            db.session.remove()
        return result

    def wait_for(self, expected, timeout_s):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            c = self.counts()
            if c["paid"] >= expected["paid"] and c["unprocessed"] == 0 and c["reviews"] >= expected["reviews"]:
                return True
            time.sleep(0.5)
        return False

    def summary(self, expected, tally):
        c = self.counts()
        forged = tally.get("forged", {})
        return {
            "tally": tally, "payments": c["payments"], "paid": c["paid"], "reviews": c["reviews"],
            "expected_paid": expected["paid"], "expected_reviews": expected["reviews"],
            "lost": max(expected["paid"] - c["paid"], 0) + c["unprocessed"],
            "double_counted": c["overpaid"] + (c["payments"] - c["references"]),
            "forged_accepted": sum(v for code, v in forged.items() if code == 200),
        }
