"""Webhook intake over HTTP (not a test; run by hand): `.venv/bin/python bench/intake.py`.

Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379. Runs the app under gunicorn (2 sync workers,
the production Procfile's shape) on a throwaway database with a real Redis queue, and loads it with wrk:
first the bare `GET /healthz`, then `POST /paystack/webhook` with a new pre-signed event per request (stored,
committed, queued to RQ — nothing applied, that is bench/webhooks.py's phase 2). Target: intake ≥ 0.3× the
bare route in the same run. wrk is installed with apt-get if missing (see loadgen.py).
Options via environment: BENCH_DB_SERVER, BENCH_PORTS (e.g. 5400-5499), BENCH_SECONDS (8),
BENCH_CONNECTIONS (8), BENCH_EVENTS (40000, distinct signed bodies).
"""
import os
import uuid

from loadgen import gunicorn, wrk, wrk_posts
from support import throwaway_database
from webhooks import REDIS_URL, SECRET, pending_bodies

SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "40000"))
TARGET = 0.3


def measure(database_url, prefix):
    from billing_desk import create_app
    from billing_desk.extensions import db
    from billing_desk.models import WebhookEvent

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None})
    with app.app_context():
        db.create_all()
    env = {"APP_ENV": "development", "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "QUEUE_PREFIX": prefix,
           "PAYSTACK_SECRET_KEY": SECRET, "RATELIMIT_STORAGE_URI": "memory://"}
    bodies = pending_bodies(EVENTS)
    options = {"seconds": SECONDS, "connections": CONNECTIONS}
    with gunicorn(env) as base:
        wrk(f"{base}/healthz", seconds=2, connections=CONNECTIONS)  # warm both workers
        health = wrk(f"{base}/healthz", **options)
        intake = wrk_posts(f"{base}/paystack/webhook", bodies, **options)
    with app.app_context():
        stored = db.session.scalar(db.select(db.func.count()).select_from(WebhookEvent))
        db.session.remove()
        db.engine.dispose()
    return health, intake, stored


def main():
    from redis import Redis

    prefix = f"bench-intake-{uuid.uuid4().hex[:8]}"
    redis = Redis.from_url(REDIS_URL)
    try:
        with throwaway_database("bench_timescale_intake") as url:
            health, intake, stored = measure(url, prefix)
    finally:
        keys = list(redis.scan_iter(match=f"*{prefix}*", count=1000))
        if keys:
            redis.delete(*keys)
    ratio = intake["rate"] / health["rate"]
    print("\n==== bench/intake.py summary ====")
    print(f"gunicorn 2 sync workers, wrk {CONNECTIONS} connections × {SECONDS} s")
    for name, figures in (("GET  /healthz (baseline)", health), ("POST /paystack/webhook", intake)):
        print(f"{name:28} {figures['rate']:8.0f} req/s  p50 {figures['p50']:6.2f} ms  p95 {figures['p95']:6.2f} ms"
              f"  errors {figures['errors']}")
    print(f"events stored: {stored} of {intake['requests']} requests (each a new signed event)")
    print(f"intake ÷ /healthz: {ratio:.2f}×  target ≥ {TARGET}×  {'OK' if ratio >= TARGET else 'MISSED'}")


if __name__ == "__main__":
    main()
