"""Test fixtures: one throwaway database per run, a fresh app and clean tables for every test.

`TEST_DATABASE_URL` picks the server: a PostgreSQL URL (the suite creates, uses and drops its own database
on that server) or unset for a SQLite file in a temporary folder.
"""
import re

import pytest
from flask import g, request_started
from flask.testing import FlaskClient
from sqlalchemy import text

from billing_desk import create_app
from billing_desk.extensions import db, limiter
from tests.databases import suite_database
from tests.factories import TEST_TIMEZONE

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|type="hidden" name="csrf_token" value="([^"]+)"')


class FormClient(FlaskClient):
    """A test client that fills in the CSRF token, as a browser submitting the page's form would."""

    def csrf_token(self):
        """A CSRF token for this client's session, read from a page as a browser would see it.

        Signed out, the login form carries one; signed in, the sign-out form on every page does.
        """
        page = self.get("/login")
        if page.status_code == 302:
            page = self.get("/patients/")
        match = CSRF_RE.search(page.get_data(as_text=True))
        if not match:
            raise AssertionError("no CSRF token on the page")
        return match.group(1) or match.group(2)

    def post_form(self, url, data=None, **kwargs):
        data = dict(data or {})
        if "csrf_token" not in data:
            data["csrf_token"] = self.csrf_token()
        return self.post(url, data=data, **kwargs)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    with suite_database("billing_test", tmp_path_factory.mktemp("db") / "test.sqlite") as url:
        yield url


@pytest.fixture(scope="session")
def _schema(database_url):
    """Build the schema once per run; the migrations' own test checks they build the same schema."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None})
    with app.app_context():
        db.create_all()
        db.engine.dispose()


def _empty_all_tables():
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


def test_config(database_url, tmp_path):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PDF_CACHE_DIR": str(tmp_path / "pdf-cache"),
        "SERVER_NAME": "desk.test",
        "PUBLIC_BASE_URL": "http://desk.test",
        # Nothing in the suite may reach the real Paystack: tests that talk to Paystack point this at the sandbox.
        "PAYSTACK_BASE_URL": "http://127.0.0.1:9",
        "TIMEZONE": TEST_TIMEZONE,  # the default, pinned so a TIMEZONE in the environment changes no test
        "REQUIRE_OPEN_SHIFT": False,  # tests/shifts turn it on; other tests need no shift
        # Four-eyes approvals: tests/approvals and tests/accounts turn them on; other tests act alone.
        "APPROVAL_VOID_REQUIRED": False,
        "APPROVAL_REFUND_THRESHOLD_MINOR": 10**15,
        "APPROVAL_DEPOSIT_REFUND_THRESHOLD_MINOR": 10**15,
    }


@pytest.fixture
def app_config(database_url, tmp_path, _schema):
    """The config the `app` fixture builds with; tests and sub-conftests may change it before `app` is used."""
    return test_config(database_url, tmp_path)


def _fresh_g(_app, **_extra):
    """Start every request with an empty `g`, as a real server does.

    The `app` fixture keeps one app context pushed for the whole test and test requests reuse it, so without
    this its `g` (where Flask-Login keeps the loaded user and Flask-WTF the CSRF token) would outlive a request:
    a second client would act as whoever the first signed in as, and an ended session would still look signed in.
    """
    for name in list(g):
        g.pop(name)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = FormClient
    request_started.connect(_fresh_g, app)
    with app.app_context():
        _empty_all_tables()
        limiter.reset()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def sign_in(client, staff, password="correct horse battery"):
    response = client.post_form("/login", {"email": staff.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def cashier(app):
    from tests.factories import make_staff

    return make_staff(role="cashier", email="cashier@example.org", full_name="Cathy Cashier")


@pytest.fixture
def admin(app):
    from tests.factories import make_staff

    return make_staff(role="admin", email="admin@example.org", full_name="Ada Admin")


@pytest.fixture
def cashier_client(app, cashier):
    return sign_in(app.test_client(), cashier)


@pytest.fixture
def admin_client(app, admin):
    return sign_in(app.test_client(), admin)
