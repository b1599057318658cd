"""Page benchmark (not a test; run by hand): `.venv/bin/python bench/pages.py`.

Seeds 100k patients and 1M invoices (with one line each and payments on the paid ones) into a throwaway
PostgreSQL database, then measures server time (the Flask app in-process, signed in as a cashier) p50/p95 of
patient search, invoice list and invoice page beside a bare route measured in the same run, and prints the
ratios (targets: p95 < 25 ms and ≤ 5× the bare route). Also: an invoice PDF render against a trivial
WeasyPrint document (target ≤ 5×), and the cached re-download of an issued invoice's PDF (target < 5 ms).
Options via environment: BENCH_DB_SERVER, BENCH_PATIENTS (100000), BENCH_INVOICES (1000000), BENCH_ROUNDS (60).
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
PASSWORD = "bench-password-1"

SEED_SQL = (
    """INSERT INTO patients (mrn, first_name, last_name, sex, date_of_birth, phone, email, address, created_at, updated_at)
       SELECT 'H' || lpad(g::text, 7, '0'),
              (ARRAY['Ada','Chinedu','Ngozi','Emeka','Funke','Ibrahim','Kemi','Musa','Nneka','Olu'])[1 + g % 10],
              (ARRAY['Obi','Adeyemi','Okonkwo','Balogun','Eze','Abubakar','Okoro','Adebayo','Nwosu','Lawal'])[1 + (g / 10) % 10] || (g % 997)::text,
              CASE WHEN g % 2 = 0 THEN 'female' ELSE 'male' END,
              DATE '1950-01-01' + (g % 25000),
              '+23480' || lpad((g * 7919 % 100000000)::text, 8, '0'),
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

    pages = {
        "bare route (/healthz)": "/healthz",
        "patient search by name": "/patients/?q=ada obi4",
        "patient search by phone": "/patients/?q=080300",
        "patient search by MRN": "/patients/?q=H00512",
        "invoice list": "/invoices/",
        "invoice list, status filter": "/invoices/?status=partially_paid",
        "invoice page": f"/invoices/{middle_id}",
    }
    return {name: summary(time_calls(getter(url), ROUNDS)) for name, url in pages.items()}, middle_id


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


def main():
    with throwaway_database("billing_bench_pages") as url, tempfile.TemporaryDirectory() as cache_dir:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "PDF_CACHE_DIR": cache_dir,
                          "RATELIMIT_ENABLED": False})
        print(f"Seeding {PATIENTS:,} patients and {INVOICES:,} invoices …", flush=True)
        seed(app)
        results, invoice_id = measure_pages(app)
        bare = results["bare route (/healthz)"]["p95"]
        print(f"\n{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'p95 ÷ bare':>11}  target p95 < 25 ms and ≤ 5×")
        for name, timing in results.items():
            ratio = timing["p95"] / bare
            ok = "" if name.startswith("bare") else ("ok" if timing["p95"] < 25 and ratio <= 5 else "MISSED")
            print(f"{name:34} {timing['p50']:8.2f} {timing['p95']:8.2f} {ratio:10.1f}×  {ok}")
        trivial, full, cached = measure_pdfs(app, invoice_id)
        print(f"\ninvoice PDF render p50 {full['p50']:.1f} ms vs trivial WeasyPrint document {trivial['p50']:.1f} ms:"
              f" {full['p50'] / trivial['p50']:.1f}× (target ≤ 5×)")
        print(f"cached invoice PDF re-download p95 {cached['p95']:.2f} ms (target < 5 ms)")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
