"""A local fake of Paystack: the API subset the billing desk uses, virtual POS terminals and signed webhooks.

    app = create_sandbox_app({"WEBHOOK_URL": "http://127.0.0.1:5000/paystack/webhook"})
    server = SandboxServer(app).start()   # server.base_url → use as PAYSTACK_BASE_URL

It is a separate Flask app and does not need the billing desk app. See `control.py` for the `/_sandbox/`
test API and `faults.py` for the fault knobs.
"""
from pathlib import Path

from flask import Flask, jsonify

from devtools.sandbox.core import EXTENSION_KEY, Sandbox
from devtools.sandbox.server import SandboxServer
from devtools.sandbox.settings import Settings

ROOT_DIR = Path(__file__).resolve().parents[2]

__all__ = ["create_sandbox_app", "SandboxServer"]


def create_sandbox_app(config=None):
    """Build the sandbox app. `config` keys: SECRET_KEY (the Paystack secret key it accepts), WEBHOOK_URL,
    STATE_FILE, TERMINALS, INTEGRATION_ID, DOMAIN, WEBHOOK_MAX_ATTEMPTS, WEBHOOK_RETRY_BASE_S,
    WEBHOOK_TIMEOUT_S, BUSINESS_NAME; missing ones fall back to environment variables, then defaults."""
    from devtools.sandbox import api, api_money, api_requests, checkout, control, terminals  # noqa: F401 (routes)

    app = Flask(
        __name__,
        template_folder=str(ROOT_DIR / "templates"),
        static_folder=str(ROOT_DIR / "static"),
    )
    app.json.sort_keys = False  # keep Paystack's key order
    app.extensions[EXTENSION_KEY] = Sandbox(Settings.from_config(config))
    app.wsgi_app = _IgnoreTrailingSlash(app.wsgi_app)
    for blueprint in (api.bp, control.bp, terminals.bp, checkout.bp):
        app.register_blueprint(blueprint)
    for status, message in ((404, "Not found"), (405, "Method not allowed"), (500, "An error occurred")):
        app.register_error_handler(status, _json_error(status, message))
    return app


def _json_error(status, message):
    def handler(_error):
        return jsonify({"status": False, "message": message}), status

    return handler


class _IgnoreTrailingSlash:
    """Paystack answers `/terminal/X/` like `/terminal/X` (some SDKs add the slash); so does the sandbox."""

    def __init__(self, wsgi_app):
        self._wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if len(path) > 1 and path.endswith("/"):
            environ["PATH_INFO"] = path.rstrip("/") or "/"
        return self._wsgi_app(environ, start_response)
