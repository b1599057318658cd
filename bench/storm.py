"""Webhook storm benchmark (not a test; run by hand): `.venv/bin/python bench/storm.py` (BENCH_STORM_N=10000).

N issued invoices are paid on the sandbox's two virtual terminals (5% with a wrong amount); the sandbox's signed
webhooks are collected, then delivered over HTTP to the app under gunicorn (2 workers) mixed by
bench/storm_mix.py: 20% duplicates, 10% reordered, 5% forged, a few unknown request codes. Meanwhile one of
the two `flask worker` processes is SIGKILLed twice (a supervisor here restarts any worker that exits, as
systemd would) and the Redis this script started on a spare port is restarted once (losing every queued job:
the sweep, run here every 2 s, must find the stored events again). Prints one summary block.

Needs PostgreSQL (BENCH_DB_SERVER, default 127.0.0.1:5432) and redis-server on PATH; loopback only, bounded.
"""
import os
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from bench.storm_mix import Delivery, storm_mix  # noqa: E402
from bench.storm_world import StormWorld  # noqa: E402

N = int(os.environ.get("BENCH_STORM_N", "10000"))
WRONG_AMOUNT = 0.05
RETRIES = 3
SETTLE_TIMEOUT_S = float(os.environ.get("BENCH_STORM_TIMEOUT", "300"))


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args):
        """Thousands of collected webhooks need no access log."""


class Collector:
    """Where the sandbox sends its webhooks during the payments: kept in order, delivered later by the storm."""

    def __init__(self):
        self.deliveries, self._lock = [], threading.Lock()
        self._server = make_server("127.0.0.1", 0, self, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/hook"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def __call__(self, environ, start_response):
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        with self._lock:
            self.deliveries.append(Delivery(raw, environ.get("HTTP_X_PAYSTACK_SIGNATURE", ""), "genuine"))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    def stop(self):
        self._server.shutdown()


def deliver(url, stream, on_progress, threads=8):
    """POST every delivery; returns {kind: {final status code: count}} and how many were sent again.
    `on_progress(fraction)` is called as it goes."""
    tally, lock, done, retried = {}, threading.Lock(), [0], [0]
    local = threading.local()

    def send(delivery):
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        for attempt in range(RETRIES + 1):  # as Paystack does, send again what got no answer or a 5xx
            try:
                code = session.post(url, data=delivery.raw, timeout=30, headers={
                    "Content-Type": "application/json", "x-paystack-signature": delivery.signature}).status_code
            except requests.RequestException as error:  # no answer at all: counted by kind of failure
                code = f"no answer ({error.__class__.__name__})"
            if isinstance(code, int) and code < 500:
                break
            with lock:
                retried[0] += 1
            time.sleep(1.0 + attempt)
        with lock:
            counts = tally.setdefault(delivery.kind, {})
            counts[code] = counts.get(code, 0) + 1
            done[0] += 1
            fraction = done[0] / len(stream)
        on_progress(fraction)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(send, stream))
    tally["sent again"] = {"times": retried[0]}
    return tally


def faults_during_delivery(world):
    """SIGKILL worker 0 at 30% and 65% of the deliveries; restart Redis at 50%. Each fault fires once."""
    plan = [(0.30, world.kill_worker), (0.50, world.restart_redis), (0.65, world.kill_worker)]
    fired, lock = set(), threading.Lock()

    def on_progress(fraction):
        for index, (at, fault) in enumerate(plan):
            with lock:
                if fraction < at or index in fired:
                    continue
                fired.add(index)
            fault()

    return on_progress


def run(n=N, log=print, db_server=None):
    """The whole storm; returns the summary as a dict. `db_server`: a PostgreSQL URL (default BENCH_DB_SERVER)."""
    with StormWorld(prefix=f"storm-{uuid.uuid4().hex[:8]}", db_server=db_server) as world:
        collector = Collector()
        try:
            world.start(webhook_url=collector.url)
            log(f"paying {n} invoices on 2 virtual terminals ({WRONG_AMOUNT:.0%} with a wrong amount)…")
            wrong = world.pay_invoices(n, WRONG_AMOUNT)
            genuine = list(collector.deliveries)
        finally:
            collector.stop()
        stream = storm_mix(genuine, world.secret)
        log(f"delivering {len(stream)} webhooks ({len(genuine)} genuine) with worker kills and a Redis restart…")
        world.start_app_and_workers()
        tally = deliver(world.webhook_url, stream, faults_during_delivery(world))
        last_delivery = time.monotonic()
        expected = {"paid": n - wrong, "reviews": wrong + sum(d.kind == "unknown" for d in stream)}
        settled = world.wait_for(expected, SETTLE_TIMEOUT_S)
        summary = world.summary(expected, tally)
        summary["seconds_to_end_state"] = round(time.monotonic() - last_delivery, 1) if settled else None
        summary.update(n=n, deliveries=len(stream), worker_restarts=world.worker_restarts)
        return summary


def print_summary(s):
    finals = [(code, v) for kind, codes in s["tally"].items() if kind != "sent again" for code, v in codes.items()]
    accepted = sum(v for code, v in finals if code == 200)
    rejected = sum(v for code, v in finals if code != 200)
    seconds = s["seconds_to_end_state"]
    print("\n== storm summary ==")
    print(f"invoices {s['n']}, deliveries {s['deliveries']} (by kind and HTTP status: {s['tally']})")
    print(f"accepted {accepted} / rejected {rejected}")
    print(f"payments {s['payments']} vs expected {s['expected_paid']}")
    print(f"invoices paid {s['paid']} vs expected {s['expected_paid']}")
    print(f"reviews opened {s['reviews']} vs expected {s['expected_reviews']}")
    print(f"lost {s['lost']} (must be 0)   double-counted {s['double_counted']} (0)   "
          f"forged accepted {s['forged_accepted']} (0)")
    print(f"worker processes restarted {s['worker_restarts']}")
    print(f"last delivery → expected end state: {seconds if seconds is not None else 'NOT REACHED'} s (goal < 60 s)")


if __name__ == "__main__":
    print_summary(run())
