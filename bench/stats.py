"""Statistics benchmark (not a test; run by hand): `.venv/bin/python bench/stats.py`.

Seeds 1M issued invoices (one priced line each, two currencies, over the last two years), 1M payments
(every channel, twenty cashiers, ten terminals), 1% of them refunded and 100k terminal pushes into a
throwaway PostgreSQL database, then measures the server time (the app in-process, signed in as an
administrator) p50/p95 of the statistics page for several ranges and of a CSV download, beside the bare
`/healthz` route in the same run, and prints the ratios (target: p95 < 250 ms).
Options via environment: BENCH_DB_SERVER, BENCH_PATIENTS (100000), BENCH_INVOICES (1000000),
BENCH_PAYMENTS (1000000), BENCH_PUSHES (100000), BENCH_ROUNDS (30).
"""
import os
from datetime import timedelta

from pages import PASSWORD, SEED_SQL as PAGE_SEED_SQL, signed_in_client
from sqlalchemy import text
from support import summary, throwaway_database, time_calls

from billing_desk import create_app
from billing_desk.extensions import db
from billing_desk.models import Staff
from billing_desk.timeutil import utcnow

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "100000"))
INVOICES = int(os.environ.get("BENCH_INVOICES", "1000000"))
PAYMENTS = int(os.environ.get("BENCH_PAYMENTS", "1000000"))
PUSHES = int(os.environ.get("BENCH_PUSHES", "100000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
TARGET_MS = 250
DAYS = 730  # the seeded history

# Patients come from the page benchmark's seed; everything else is spread over the two years before now.
SEED_SQL = (
    PAGE_SEED_SQL[0],
    """INSERT INTO services (code, name, department, unit_price_minor, currency, active, created_at, updated_at)
       SELECT 'S' || lpad(g::text, 4, '0'), 'Service ' || g,
              (ARRAY['Outpatients','Radiology','Laboratory','Pharmacy','Surgery','Maternity','Dental','Eye'])[1 + g % 8],
              1000 * (1 + g % 50) * 100, 'NGN', true, now(), now()
       FROM generate_series(1, 200) AS g""",
    """INSERT INTO staff (email, full_name, role, password_hash, active, failed_login_count, session_version, created_at)
       SELECT 'cashier' || g || '@example.org', 'Cashier ' || g, 'cashier', 'x', true, 0, 1, now()
       FROM generate_series(1, 20) AS g""",
    """INSERT INTO terminals (terminal_id, name, active, created_at)
       SELECT 'T' || g, 'Desk ' || g, true, now() FROM generate_series(1, 10) AS g""",
    # Rows go in in time order, as a live desk writes them (the heap order range scans see in production).
    """INSERT INTO invoices (patient_id, number, status, currency, due_date, invoice_discount_minor, subtotal_minor,
                             discount_minor, total_minor, amount_paid_minor, amount_refunded_minor, created_at,
                             updated_at, issued_at)
       SELECT 1 + g % :patients, 'INV-B-' || lpad(g::text, 8, '0'),
              (ARRAY['issued','partially_paid','paid','paid','paid','paid','paid','paid','paid','void'])[1 + g % 10],
              CASE WHEN g % 10 = 3 THEN 'GHS' ELSE 'NGN' END,
              issued::date + 14, 0, 1000 * (1 + g % 50) * 100, 0, 1000 * (1 + g % 50) * 100,
              CASE WHEN g % 10 = 0 THEN 0 WHEN g % 10 = 1 THEN 500 * (1 + g % 50) * 100
                   WHEN g % 10 = 9 THEN 0 ELSE 1000 * (1 + g % 50) * 100 END,
              0, issued, issued, issued
       FROM generate_series(1, :invoices) AS g,
            LATERAL (SELECT :now - (:invoices - g) * (:days * 86400.0 / :invoices) * interval '1 second' AS issued) AS t""",
    """INSERT INTO invoice_lines (invoice_id, position, service_id, description, quantity, unit_price_minor,
                                 discount_minor, line_total_minor)
       SELECT id, 0, 1 + id % 200, 'Service', 1, total_minor, 0, total_minor FROM invoices ORDER BY id""",
    """INSERT INTO payments (invoice_id, amount_minor, currency, channel, received_by_id, terminal_id, paid_at,
                             created_at, receipt_print_count)
       SELECT i.id, 100 * (1 + g % 900), i.currency,
              (ARRAY['cash','transfer','card_terminal','online'])[1 + g % 4],
              CASE WHEN g % 4 IN (0, 1) THEN (SELECT min(id) FROM staff) + g % 20 END,
              CASE WHEN g % 4 = 2 THEN 1 + g % 10 END,
              i.issued_at + (g % 48) * interval '1 hour', i.issued_at + (g % 48) * interval '1 hour', 0
       FROM generate_series(1, :payments) AS g JOIN invoices i ON i.id = 1 + (g::bigint * :invoices / :payments) % :invoices
       ORDER BY 7""",
    """INSERT INTO refunds (payment_id, invoice_id, amount_minor, currency, channel, status, reason, created_at,
                            processed_at)
       SELECT id, invoice_id, amount_minor, currency, 'cash', 'processed', 'bench', paid_at, paid_at + interval '1 day'
       FROM payments WHERE id % 100 = 0 ORDER BY id""",
    """INSERT INTO payment_requests (invoice_id, amount_minor, currency, status, created_at, updated_at)
       SELECT 1 + (g::bigint * :invoices / :pushes) % :invoices, 100000, 'NGN', 'success',
              :now - (:pushes - g) * (:days * 86400.0 / :pushes) * interval '1 second', :now
       FROM generate_series(1, :pushes) AS g""",
    """INSERT INTO terminal_pushes (invoice_id, payment_request_id, terminal_id, status, created_at, finished_at)
       SELECT invoice_id, id, 1 + id % 10,
              (ARRAY['paid','paid','paid','paid','paid','paid','failed','timed_out','expired','sent'])[1 + id % 10],
              created_at, created_at + (20 + id % 200) * interval '1 second'
       FROM payment_requests ORDER BY id""",
    "VACUUM ANALYZE",  # what autovacuum has done on a live database: statistics and the visibility map
)


def seed(app, now):
    with app.app_context():
        db.create_all()
        params = {"patients": PATIENTS, "invoices": INVOICES, "payments": PAYMENTS, "pushes": PUSHES, "now": now,
                  "days": DAYS}
        for statement in SEED_SQL[:-1]:
            db.session.execute(text(statement), params)
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(SEED_SQL[-1]))  # VACUUM cannot run inside a transaction
        admin = Staff(email="bench@example.org", full_name="Bench Administrator", role="admin")
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.commit()


def measure(app, today):
    client = signed_in_client(app)

    def getter(url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return call

    year_ago = (today - timedelta(days=364)).isoformat()
    pages = {
        "bare route (/healthz)": "/healthz",
        "statistics, today": "/reports/statistics?range=today",
        "statistics, 7 days": "/reports/statistics?range=7d",
        "statistics, 30 days (default)": "/reports/statistics",
        "statistics, 1 year by month": f"/reports/statistics?range=custom&date_from={year_ago}"
                                       f"&date_to={today}&unit=month",
        "CSV by cashier, 30 days": "/reports/statistics/by_cashier.csv?range=30d",
    }
    return {name: summary(time_calls(getter(url), ROUNDS)) for name, url in pages.items()}


def main():
    now = utcnow()
    with throwaway_database("billing_bench_stats") as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "RATELIMIT_ENABLED": False})
        print(f"Seeding {INVOICES:,} invoices, {PAYMENTS:,} payments and {PUSHES:,} terminal pushes …", flush=True)
        seed(app, now)
        results = measure(app, now.date())
        bare = results["bare route (/healthz)"]["p95"]
        print(f"\n{'page':32} {'p50 ms':>8} {'p95 ms':>8} {'p95 ÷ bare':>11}  target p95 < {TARGET_MS} ms")
        for name, timing in results.items():
            ok = "" if name.startswith("bare") else ("ok" if timing["p95"] < TARGET_MS else "MISSED")
            print(f"{name:32} {timing['p50']:8.2f} {timing['p95']:8.2f} {timing['p95'] / bare:10.1f}×  {ok}")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
