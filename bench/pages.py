"""Page benchmark (not a test; run by hand): `.venv/bin/python bench/pages.py`.

Seeds 100k patients and 1M invoices (with one line each and payments on the paid ones) into a throwaway
PostgreSQL database, then measures server time (the Flask app in-process, signed in as a cashier) p50/p95 of
patient search, invoice list and invoice page beside a bare route measured in the same run, and prints the
ratios (targets: p95 < 25 ms and ≤ 5× the bare route; patient list without a query < 10 ms), then the same
pages over HTTP (gunicorn with 2 sync workers, loaded by wrk, signed in by cookie; invoice page target
p95 < 8 ms). Also: an invoice PDF render against a trivial WeasyPrint document (target ≤ 5×), and the
cached re-download of an issued invoice's PDF (target < 5 ms). One summary block at the end.
The seed is SQL-side (generate_series), so 1M patients take minutes, not hours.
Options via environment: BENCH_DB_SERVER, BENCH_PORTS (e.g. 5400-5499), BENCH_PATIENTS (100000),
BENCH_INVOICES (1000000), BENCH_ROUNDS (60), BENCH_HTTP_SECONDS (4).
"""
import os
import re
import tempfile

from support import summary, throwaway_database, time_calls
from sqlalchemy import text

from billing_desk import create_app
from billing_desk.extensions import db
from billing_desk.models import Staff

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "100000"))
INVOICES = int(os.environ.get("BENCH_INVOICES", "1000000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "60"))
HTTP_SECONDS = int(os.environ.get("BENCH_HTTP_SECONDS", "4"))
PASSWORD = "bench-password-1"

SEED_SQL = (
    """INSERT INTO patients (mrn, first_name, last_name, sex, date_of_birth, phone, email, address, created_at, updated_at)
       SELECT 'H' || lpad(g::text, 7, '0'),
              (ARRAY['Ada','Chinedu','Ngozi','Emeka','Funke','Ibrahim','Kemi','Musa','Nneka','Olu'])[1 + g % 10],
              (ARRAY['Obi','Adeyemi','Okonkwo','Balogun','Eze','Abubakar','Okoro','Adebayo','Nwosu','Lawal'])[1 + (g / 10) % 10] || (g % 997)::text,
              CASE WHEN g % 2 = 0 THEN 'female' ELSE 'male' END,
              DATE '1950-01-01' + (g % 25000),
              '+23480' || lpad((g::bigint * 7919 % 100000000)::text, 8, '0'),  -- bigint: g * 7919 overflows int above ~271k
              CASE WHEN g % 3 = 0 THEN NULL ELSE 'patient' || g || '@example.org' END,
              g || ' Allen Avenue, Lagos', now(), now()
       FROM generate_series(1, :patients) AS g""",
    """INSERT INTO invoices (patient_id, number, status, currency, due_date, invoice_discount_minor, subtotal_minor,
                             discount_minor, total_minor, amount_paid_minor, amount_refunded_minor, created_at,
                             updated_at, issued_at)
       SELECT 1 + g % :patients,
              'INV-' || (2021 + g % 5) || '-' || lpad((g / 5 + 1)::text, 6, '0'),
              (ARRAY['issued','partially_paid','paid','paid','draft'])[1 + g % 5],
              'NGN', DATE '2026-01-01' + (g % 365), 0, 750000, 0, 750000,
              (ARRAY[0, 250000, 750000, 750000, 0])[1 + g % 5], 0,
              TIMESTAMP '2021-01-01' + (g || ' minutes')::interval, now(),
              CASE WHEN g % 5 = 4 THEN NULL ELSE TIMESTAMP '2021-01-01' + (g || ' minutes')::interval END
       FROM generate_series(1, :invoices) AS g""",
    "UPDATE invoices SET number = NULL WHERE status = 'draft'",
    """INSERT INTO invoice_lines (invoice_id, position, description, quantity, unit_price_minor, discount_minor, line_total_minor)
       SELECT id, 0, 'Consultation — General Practitioner', 1, 750000, 0, 750000 FROM invoices""",
    """INSERT INTO payments (invoice_id, amount_minor, currency, channel, paid_at, created_at, receipt_print_count)
       SELECT id, amount_paid_minor, 'NGN', 'cash', issued_at, issued_at, 0 FROM invoices WHERE amount_paid_minor > 0""",
    "ANALYZE",
)


def seed(app):
    with app.app_context():
        db.create_all()
        for statement in SEED_SQL:
            db.session.execute(text(statement), {"patients": PATIENTS, "invoices": INVOICES})
        db.session.commit()
        cashier = Staff(email="bench@example.org", full_name="Bench Cashier", role="cashier")
        cashier.set_password(PASSWORD)
        db.session.add(cashier)
        db.session.commit()


def signed_in_client(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": "bench@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, "sign-in failed"
    return client


def measure_pages(app):
    client = signed_in_client(app)
    with app.app_context():
        middle_id = db.session.execute(text("SELECT max(id) / 2 FROM invoices WHERE status = 'paid'")).scalar()

    def getter(url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return call

    pages = page_urls(app, middle_id)
    return {name: summary(time_calls(getter(url), ROUNDS)) for name, url in pages.items()}, middle_id


def page_urls(app, invoice_id):
    """The measured pages; the invoice list's page 10,000 is reached by its keyset link (`?before=`)."""
    with app.app_context():
        deep = db.session.execute(text(
            "SELECT id FROM invoices ORDER BY id DESC OFFSET :skip LIMIT 1"), {"skip": 25 * 9_999}).scalar()
    pages = {
        "bare route (/healthz)": "/healthz",
        "patient list, no query": "/patients/",
        "patient search, common name": "/patients/?q=ada",
        "patient search by name": "/patients/?q=ada+obi4",
        "patient search by phone": "/patients/?q=080300",
        "patient search by MRN": "/patients/?q=H00512",
        "invoice list": "/invoices/",
        "invoice list, status filter": "/invoices/?status=partially_paid",
        "invoice page": f"/invoices/{invoice_id}",
    }
    if deep:
        pages["invoice list, page 10,000"] = f"/invoices/?before={deep + 1}"
    return pages


def measure_http(database_url, invoice_id, app):
    """p50/p95 over HTTP: gunicorn with 2 sync workers, wrk with 2 connections, signed in as the cashier."""
    from loadgen import gunicorn, signed_in_cookie, wrk

    env = {"APP_ENV": "development", "DATABASE_URL": database_url, "REDIS_URL": ""}
    results = {}
    with gunicorn(env) as base:
        cookie = signed_in_cookie(base, "bench@example.org", PASSWORD)
        for name, url in page_urls(app, invoice_id).items():
            results[name] = wrk(base + url, seconds=HTTP_SECONDS, connections=2, threads=2,
                                headers=(f"Cookie: {cookie}",))
    return results


def measure_pdfs(app, invoice_id):
    from weasyprint import HTML

    from billing_desk import pdf
    from billing_desk.models import Invoice

    with app.app_context():
        # `invoice_id` (the invoice page's) may be a draft, which has no PDF: use the nearest paid one below it.
        paid_id = db.session.execute(
            text("SELECT max(id) FROM invoices WHERE status = 'paid' AND id <= :id"), {"id": invoice_id}
        ).scalar()
        invoice = db.session.get(Invoice, paid_id)
        trivial = summary(time_calls(lambda: HTML(string="<p>Hello</p>").write_pdf(), 10, warmup=1))
        full = summary(time_calls(lambda: pdf.render_invoice_pdf(invoice), 10, warmup=1))
        pdf.invoice_pdf_bytes(invoice)  # fill the cache
        cached = summary(time_calls(lambda: pdf.invoice_pdf_bytes(invoice), 30))
    return trivial, full, cached


# Page-specific p95 targets (ms) of issue 13; every other page: p95 < 25 ms and ≤ 5× the bare route.
TARGETS = {"patient list, no query": 10, "patient search, common name": 25}


def print_summary(results, http, pdfs):
    trivial, full, cached = pdfs
    bare, bare_http = results["bare route (/healthz)"]["p95"], http["bare route (/healthz)"]["p95"]
    print(f"\n==== bench/pages.py summary: {PATIENTS:,} patients, {INVOICES:,} invoices ====")
    print(f"{'page':30} {'in-process p50/p95 ms':>22} {'÷ bare':>7}  {'HTTP p50/p95 ms':>16} {'÷ bare':>7}  target")
    for name, timing in results.items():
        over_http = http[name]
        ratio, http_ratio = timing["p95"] / bare, over_http["p95"] / bare_http
        target = TARGETS.get(name, 25)
        verdict = "" if name.startswith("bare") else (
            "ok" if timing["p95"] < target and ratio <= 5 else "MISSED") + f" (< {target} ms)"
        print(f"{name:30} {timing['p50']:10.2f} /{timing['p95']:8.2f} {ratio:6.1f}×  "
              f"{over_http['p50']:7.2f} /{over_http['p95']:7.2f} {http_ratio:6.1f}×  {verdict}")
    print(f"invoice page over HTTP p95 {http['invoice page']['p95']:.2f} ms (target < 8 ms)")
    print(f"invoice PDF render p50 {full['p50']:.1f} ms vs trivial WeasyPrint document {trivial['p50']:.1f} ms:"
          f" {full['p50'] / trivial['p50']:.1f}× (target ≤ 5×)")
    print(f"cached invoice PDF re-download p95 {cached['p95']:.2f} ms (target < 5 ms)")


def main():
    with throwaway_database("bench_timescale_pages") as url, tempfile.TemporaryDirectory() as cache_dir:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "PDF_CACHE_DIR": cache_dir,
                          "RATELIMIT_ENABLED": False})
        print(f"Seeding {PATIENTS:,} patients and {INVOICES:,} invoices …", flush=True)
        seed(app)
        results, invoice_id = measure_pages(app)
        http = measure_http(url, invoice_id, app)
        pdfs = measure_pdfs(app, invoice_id)
        print_summary(results, http, pdfs)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
