"""Security headers on every response, and what production insists on (see `billing_desk/security.py`)."""
import pytest

from billing_desk import create_app
from billing_desk.config import ConfigError
from tests.conftest import sign_in
from tests.one_of_each import seed_one_of_each
from tests.routes import app_rules, example_url

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "a-real-secret-for-the-test",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://billing@127.0.0.1:9/never-connected",
    "REDIS_URL": "redis://127.0.0.1:9/0",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0",
    "PAYSTACK_SECRET_KEY": "sk_test_abc",
    "PAYSTACK_BASE_URL": "http://127.0.0.1:9",
}


def assert_security_headers(response, where):
    response.close()  # static files are streamed from an open file
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, where
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, where
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp, where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") == "same-origin", where


def test_every_page_of_the_url_map_sends_the_headers(app):
    cashier, admin = seed_one_of_each()
    clients = {"anonymous": app.test_client(), "admin": sign_in(app.test_client(), admin)}
    rules = [rule for rule in app_rules(app) if "GET" in rule.methods]
    assert len(rules) > 30
    for who, client in clients.items():
        for rule in rules:
            url = example_url(app, rule)
            assert_security_headers(client.get(url), f"{who} GET {url}")


@pytest.mark.parametrize("url", ["/static/css/app.css", "/no-such-page", "/patients/99999999999", "/healthz"])
def test_static_files_and_error_pages_send_them_too(client, url):
    assert_security_headers(client.get(url), url)


def test_posts_and_json_answers_send_them(client):
    assert_security_headers(client.post("/paystack/webhook", data=b"{}"), "webhook")
    assert_security_headers(client.post("/login", data={}), "login without CSRF")


def test_pay_online_may_post_on_to_paystack(app, client):
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert "form-action 'self' https://paystack.com" in csp


def test_templates_have_no_inline_script_or_handlers():
    """The CSP forbids inline script; this keeps templates from growing any."""
    import re

    from billing_desk.config import ROOT_DIR

    inline = re.compile(r"<script(?![^>]*\bsrc=)|\son[a-z]+=\"|\sstyle=\"|javascript:", re.I)
    offenders = [str(path) for path in (ROOT_DIR / "templates").rglob("*.html")
                 if "sandbox" not in path.parts and "pdf" not in path.parts and "email" not in path.parts
                 and inline.search(path.read_text())]
    assert not offenders


def test_production_sends_hsts_and_secure_cookies():
    app = create_app(PRODUCTION)
    client = app.test_client()
    response = client.get("/login", base_url="https://desk.example")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/login", base_url="https://desk.test").headers


@pytest.mark.parametrize("change, complaint", [
    ({"REDIS_URL": None}, "REDIS_URL must be set"),
    ({"RATELIMIT_STORAGE_URI": "memory://"}, "RATELIMIT_STORAGE_URI cannot be memory"),
    ({"TRUSTED_PROXIES": -1}, "TRUSTED_PROXIES"),
    ({"SECRET_KEY": "dev-only-not-secret"}, "SECRET_KEY"),
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.sqlite"}, "DATABASE_URL"),
])
def test_production_refuses_to_start(change, complaint):
    with pytest.raises(ConfigError, match=complaint):
        create_app({**PRODUCTION, **change})


def test_production_starts_with_everything_set():
    assert create_app(PRODUCTION).config["APP_ENV"] == "production"


def _remote_addr(app, headers):
    app.add_url_rule("/_addr", "probe_addr", lambda: __import__("flask").request.remote_addr)
    app.view_functions["probe_addr"].is_public = True
    return app.test_client().get("/_addr", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}).text


def test_trusted_proxies_decide_which_address_counts(app_config):
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    assert _remote_addr(create_app(app_config), forwarded) == "10.0.0.1"  # default: trust no proxy
    assert _remote_addr(create_app({**app_config, "TRUSTED_PROXIES": 1}), forwarded) == "203.0.113.7"
