"""Configuration read from environment variables, with safe development defaults.

`load_config()` returns a plain dict; `create_app` applies it and then any overrides a caller passes
(tests pass theirs). Production (`APP_ENV=production`) refuses to start without the secrets and services
a real deployment needs, and refuses a Paystack key that does not match the Paystack base URL.
"""
import os
from pathlib import Path

from billing_desk.timeutil import DEFAULT_TIMEZONE, UnknownTimeZone, zone_named

ROOT_DIR = Path(__file__).resolve().parent.parent
REAL_PAYSTACK_URL = "https://api.paystack.co"
DEV_SECRET_KEY = "dev-only-not-secret"
SANDBOX_SECRET_KEY = "sk_test_sandbox"


class ConfigError(RuntimeError):
    """The configuration cannot run safely (raised at start-up, never at request time)."""


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def load_config():
    """Everything the app reads from its environment, in one place."""
    return {
        "APP_ENV": os.environ.get("APP_ENV", "development"),
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{ROOT_DIR / 'instance' / 'billing_desk.sqlite'}"
        ),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "QUEUE_PREFIX": os.environ.get("QUEUE_PREFIX", "billing"),
        # A worker refreshes its heartbeat this often; a "started" job whose worker has not for
        # WORKER_DEAD_AFTER_SECONDS belongs to a dead worker and is queued again by the sweep.
        "WORKER_HEARTBEAT_SECONDS": float(os.environ.get("WORKER_HEARTBEAT_SECONDS", "10")),
        "WORKER_DEAD_AFTER_SECONDS": _env_int("WORKER_DEAD_AFTER_SECONDS", 45),
        # A webhook event or email that fails this many times is dead-lettered: shown to an administrator,
        # retried only by hand.
        # The scheduler: the sweep's interval, and the local times (TIMEZONE) of its daily tasks.
        "SWEEP_EVERY_SECONDS": _env_int("SWEEP_EVERY_SECONDS", 60),
        "REMINDER_LOCAL_TIME": os.environ.get("REMINDER_LOCAL_TIME", "09:00"),
        "RECONCILIATION_LOCAL_TIME": os.environ.get("RECONCILIATION_LOCAL_TIME", "01:00"),
        "WEBHOOK_MAX_ATTEMPTS": _env_int("WEBHOOK_MAX_ATTEMPTS", 5),
        "EMAIL_MAX_ATTEMPTS": _env_int("EMAIL_MAX_ATTEMPTS", 5),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI")
        or os.environ.get("REDIS_URL")
        or "memory://",
        "PAYSTACK_SECRET_KEY": os.environ.get("PAYSTACK_SECRET_KEY", SANDBOX_SECRET_KEY),
        "PAYSTACK_BASE_URL": os.environ.get("PAYSTACK_BASE_URL", REAL_PAYSTACK_URL).rstrip("/"),
        "PAYSTACK_CONNECT_TIMEOUT": float(os.environ.get("PAYSTACK_CONNECT_TIMEOUT", "3.05")),
        "PAYSTACK_READ_TIMEOUT": float(os.environ.get("PAYSTACK_READ_TIMEOUT", "10")),
        "PAYSTACK_PAY_URL_BASE": os.environ.get("PAYSTACK_PAY_URL_BASE", "https://paystack.com/pay/"),
        "PATIENT_EMAIL_DOMAIN": os.environ.get("PATIENT_EMAIL_DOMAIN", "patients.billing-desk.invalid"),
        "TERMINAL_PUSH_TTL_SECONDS": _env_int("TERMINAL_PUSH_TTL_SECONDS", 180),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": _env_int("SMTP_PORT", 8025),
        "SMTP_USER": os.environ.get("SMTP_USER") or None,
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD") or None,
        "SMTP_SECURITY": os.environ.get("SMTP_SECURITY", "none"),  # none | starttls | ssl
        "SMTP_TIMEOUT": float(os.environ.get("SMTP_TIMEOUT", "10")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Billing Desk <billing@localhost>"),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "PUBLIC_LINK_MAX_AGE_DAYS": _env_int("PUBLIC_LINK_MAX_AGE_DAYS", 60),
        # A new invoice is due this many days from today unless the cashier picks another date.
        "INVOICE_DUE_DAYS": _env_int("INVOICE_DUE_DAYS", 14),
        "REMINDER_INTERVAL_DAYS": _env_int("REMINDER_INTERVAL_DAYS", 7),
        "REMINDER_MAX_COUNT": _env_int("REMINDER_MAX_COUNT", 3),
        # Cash and transfers at the desk need the cashier's open shift, so every naira lands in a Z report.
        "REQUIRE_OPEN_SHIFT": _env_bool("REQUIRE_OPEN_SHIFT", True),
        # Closing a shift short or over by more than this (minor units; ₦1,000) needs a reason.
        "SHIFT_VARIANCE_REASON_THRESHOLD_MINOR": _env_int("SHIFT_VARIANCE_REASON_THRESHOLD_MINOR", 100_000),
        # Four-eyes approvals (billing_desk.approvals.policy): amounts of the threshold (minor units) or more need
        # a supervisor's approval; 0 means every one does. Voiding an issued invoice needs one unless turned off.
        "APPROVAL_REFUND_THRESHOLD_MINOR": _env_int("APPROVAL_REFUND_THRESHOLD_MINOR", 0),
        "APPROVAL_DEPOSIT_REFUND_THRESHOLD_MINOR": _env_int("APPROVAL_DEPOSIT_REFUND_THRESHOLD_MINOR", 0),
        "APPROVAL_VOID_REQUIRED": _env_bool("APPROVAL_VOID_REQUIRED", True),
        # The hospital's clock and calendar (an IANA name): its days, shifts, reports and invoice-number year.
        "TIMEZONE": os.environ.get("TIMEZONE", DEFAULT_TIMEZONE).strip(),
        "HOSPITAL_NAME": os.environ.get("HOSPITAL_NAME", "St. Luke's General Hospital"),
        "HOSPITAL_ADDRESS": os.environ.get("HOSPITAL_ADDRESS", "12 Marina Road, Lagos Island, Lagos"),
        "HOSPITAL_PHONE": os.environ.get("HOSPITAL_PHONE", "+234 1 270 0000"),
        "HOSPITAL_LOGO": os.environ.get("HOSPITAL_LOGO", str(ROOT_DIR / "static" / "img" / "logo.svg")),
        "HOSPITAL_FOOTER": os.environ.get(
            "HOSPITAL_FOOTER", "Thank you for choosing us. Please keep this document for your records."
        ),
        "PDF_CACHE_DIR": os.environ.get("PDF_CACHE_DIR", str(ROOT_DIR / "instance" / "pdf-cache")),
        # The integration API (billing_desk.api): requests per key, and the largest JSON body accepted.
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "300 per minute"),
        "API_MAX_BODY_BYTES": _env_int("API_MAX_BODY_BYTES", 64 * 1024),
        # Outbound integration webhooks (billing_desk.integrations): per-try timeout and the waits between tries.
        "WEBHOOK_TIMEOUT_SECONDS": float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5")),
        "WEBHOOK_RETRY_SECONDS": os.environ.get("WEBHOOK_RETRY_SECONDS", "30,120,600,3600,21600"),
        "LOGIN_LIMIT": os.environ.get("LOGIN_LIMIT", "10 per 15 minutes"),
        "ACCOUNT_LOCK_THRESHOLD": _env_int("ACCOUNT_LOCK_THRESHOLD", 5),
        "ACCOUNT_LOCK_MINUTES": _env_int("ACCOUNT_LOCK_MINUTES", 15),
        # How many reverse proxies (load balancer, nginx…) stand in front of the app and add X-Forwarded-For;
        # 0 trusts none, so a client cannot fake its address for the rate limits.
        "TRUSTED_PROXIES": _env_int("TRUSTED_PROXIES", 0),
        # Nothing a person types comes near this; a bigger body is refused with 413 before it is read.
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", False),
        "WTF_CSRF_TIME_LIMIT": None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }


def is_test_mode(config):
    """True while money cannot really move: a test key or anything but the real Paystack API."""
    return (
        not config["PAYSTACK_SECRET_KEY"].startswith("sk_live_")
        or config["PAYSTACK_BASE_URL"] != REAL_PAYSTACK_URL
    )


def check_production(config):
    """Refuse to run production on development defaults or with a mismatched Paystack key and URL."""
    if config["APP_ENV"] != "production":
        return
    problems = []
    if config["SECRET_KEY"] in ("", DEV_SECRET_KEY):
        problems.append("SECRET_KEY must be set")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append("DATABASE_URL must name a real database server, not SQLite")
    if not config["REDIS_URL"]:
        problems.append("REDIS_URL must be set (background jobs and the rate limits shared by every process need it)")
    if config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        problems.append("RATELIMIT_STORAGE_URI cannot be memory:// (each process would keep its own limits)")
    if config["TRUSTED_PROXIES"] < 0:
        problems.append("TRUSTED_PROXIES must be 0 or more")
    key, url = config["PAYSTACK_SECRET_KEY"], config["PAYSTACK_BASE_URL"]
    if key.startswith("sk_live_") and url != REAL_PAYSTACK_URL:
        problems.append("a live Paystack key may only be used with the real Paystack API")
    if url == REAL_PAYSTACK_URL and key == SANDBOX_SECRET_KEY:
        problems.append("the sandbox's Paystack key cannot be used with the real Paystack API")
    if problems:
        raise ConfigError("Refusing to start in production: " + "; ".join(problems))


def check_timezone(config):
    """Refuse to start, in any environment, with a time zone the machine does not know (a typo would
    otherwise shift every day boundary silently)."""
    try:
        zone_named(config["TIMEZONE"])
    except UnknownTimeZone as error:
        raise ConfigError(f"Refusing to start: {error}") from error
