"""Throwaway PostgreSQL databases for the test suite, the migration test and the benchmarks."""
import contextlib
import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextlib.contextmanager
def suite_database(prefix, sqlite_path):
    """The database a test run uses: a throwaway one on the PostgreSQL server `TEST_DATABASE_URL` names, or a
    SQLite file at `sqlite_path` when it is unset (or itself SQLite)."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url or server_url.startswith("sqlite"):
        yield f"sqlite:///{sqlite_path}"
        return
    with throwaway_database(server_url, prefix) as url:
        yield url


@contextlib.contextmanager
def throwaway_database(server_url, prefix):
    """Create a uniquely named database on the server `server_url` names, yield its URL, drop it afterwards
    whatever happens (WITH (FORCE) ends connections a failed test may have left open)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
