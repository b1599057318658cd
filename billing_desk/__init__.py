"""Billing Desk: a Flask app for hospital cashier desks. `create_app` is the only way to build it."""
import logging
from importlib import import_module

from flask import Flask

from billing_desk.bounds import IdConverter
from billing_desk.config import ROOT_DIR, check_production, check_timezone, is_test_mode, load_config
from billing_desk.extensions import csrf, db, limiter, login_manager, migrate

# Each capability is a package with a `routes.bp` blueprint.
BLUEPRINT_PACKAGES = (
    "auth",
    "patients",
    "catalog",
    "invoices",
    "payments",
    "admin",
    "notifications",
    "public",
    "shifts",
    "paystack",
    "refunds",
    "reports",
    "terminals",
    "api",
    "integrations",
    "accounts",
    "approvals",
    "statements",
    "desk",
)

log = logging.getLogger(__name__)


def create_app(overrides=None):
    app = Flask(
        __name__,
        template_folder=str(ROOT_DIR / "templates"),
        static_folder=str(ROOT_DIR / "static"),
        instance_path=str(ROOT_DIR / "instance"),
    )
    app.config.update(load_config())
    app.config.update(overrides or {})
    check_production(app.config)
    check_timezone(app.config)
    app.config["TEST_MODE"] = is_test_mode(app.config)

    _ensure_sqlite_folder(app)
    _init_extensions(app)
    app.url_map.converters["id"] = IdConverter  # before any route uses `<id:…>`
    for package in BLUEPRINT_PACKAGES:
        app.register_blueprint(import_module(f"billing_desk.{package}.routes").bp)

    from billing_desk import cli, errors, security, web
    from billing_desk.jobs import after_commit

    security.register(app)
    errors.register(app)
    web.register(app)
    cli.register(app)
    after_commit.register(app)

    from billing_desk.jobs import jobs_run_inline

    if jobs_run_inline(app):
        log.info("REDIS_URL is not set: background jobs run inline in the web process")
    return app


def _ensure_sqlite_folder(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and uri != "sqlite:///:memory:":
        from pathlib import Path

        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _init_extensions(app):
    import billing_desk.models  # noqa: F401  (register every table before migrate/create_all)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT_DIR / "migrations"), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
