"""scripts/backup: a pg_dump of the live database restores into a fresh database with every invoice intact."""
import os
import subprocess
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from billing_desk.config import ROOT_DIR
from tests.factories import make_issued_invoice, make_patient
from tests.notifications.helpers import pay

INVOICE_FACTS = text("""
    SELECT i.number, i.status, i.currency, i.total_minor, i.amount_paid_minor, p.mrn, p.last_name,
           (SELECT count(*) FROM invoice_lines l WHERE l.invoice_id = i.id) AS lines,
           (SELECT coalesce(sum(m.amount_minor), 0) FROM payments m WHERE m.invoice_id = i.id) AS paid
    FROM invoices i JOIN patients p ON p.id = i.patient_id ORDER BY i.number
""")


def backup(*args, env=None):
    return subprocess.run([str(ROOT_DIR / "scripts" / "backup"), *args], capture_output=True, text=True,
                          env=env, timeout=120, check=True)


def facts(url):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(INVOICE_FACTS)]
    finally:
        engine.dispose()


@pytest.fixture
def fresh_database_url(app):
    """The name of a database that does not exist yet (the restore creates it); dropped afterwards."""
    source = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if source.get_backend_name() != "postgresql":
        pytest.skip("pg_dump backs up PostgreSQL; a SQLite database is backed up by copying its file")
    target = source.set(database=f"billing_restore_{uuid.uuid4().hex[:10]}")
    yield target.render_as_string(hide_password=False)
    admin = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def test_a_dump_restores_into_a_fresh_database_with_the_same_invoices(app, fresh_database_url, tmp_path):
    paid = make_issued_invoice(patient=make_patient(last_name="Adeyemi"), lines=((750000, 1), (250000, 2)))
    pay(paid, 1_250_000)
    part = make_issued_invoice(patient=make_patient(last_name="Okoro"), lines=((1_500_000, 1),))
    pay(part, 500_000, channel="transfer", reference="TRF-0042")
    source_url = app.config["SQLALCHEMY_DATABASE_URI"]
    before = facts(source_url)
    assert [row[1] for row in before] == ["paid", "partially_paid"]

    dump = tmp_path / "billing.dump"
    backup("dump", str(dump), env={**os.environ, "DATABASE_URL": source_url})
    restored = backup("restore", str(dump), fresh_database_url)

    assert facts(fresh_database_url) == before
    assert "restored invoices 2" in restored.stdout and "restored payments 2" in restored.stdout
    with pytest.raises(subprocess.CalledProcessError) as again:  # never on top of an existing database
        backup("restore", str(dump), fresh_database_url)
    assert "already exists" in again.value.stderr
