import pytest

from billing_desk import create_app
from billing_desk.config import ConfigError


def test_health_check_needs_no_login(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_pages_need_login(client):
    response = client.get("/patients/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "overrides, complaint",
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "s3cret"}, "DATABASE_URL"),
        (
            {"SECRET_KEY": "s3cret", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@db/prod",
             "PAYSTACK_SECRET_KEY": "sk_live_abc", "PAYSTACK_BASE_URL": "http://127.0.0.1:5055"},
            "live Paystack key",
        ),
        (
            {"SECRET_KEY": "s3cret", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@db/prod",
             "PAYSTACK_SECRET_KEY": "sk_test_sandbox", "PAYSTACK_BASE_URL": "https://api.paystack.co"},
            "sandbox",
        ),
    ],
)
def test_production_refuses_unsafe_config(monkeypatch, overrides, complaint):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match=complaint):
        create_app({"APP_ENV": "production", **overrides})
