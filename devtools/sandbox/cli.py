"""`paystack-sandbox`: run the Paystack sandbox in the foreground (werkzeug's threaded server)."""
import os

import click
from werkzeug.serving import run_simple

DEFAULT_WEBHOOK_URL = "http://127.0.0.1:5000/paystack/webhook"


@click.command("paystack-sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5055, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--webhook-url",
    default=lambda: os.environ.get("SANDBOX_WEBHOOK_URL", DEFAULT_WEBHOOK_URL),
    show_default=f"$SANDBOX_WEBHOOK_URL or {DEFAULT_WEBHOOK_URL}",
    help="Where signed webhooks are POSTed (empty: do not send).",
)
@click.option(
    "--secret-key",
    default=lambda: os.environ.get("PAYSTACK_SECRET_KEY", "sk_test_sandbox"),
    show_default="$PAYSTACK_SECRET_KEY or sk_test_sandbox",
    help="The Paystack secret key the sandbox accepts and signs webhooks with.",
)
@click.option("--state-file", default=None, help="Keep the sandbox state in this JSON file (default: memory).")
def paystack_sandbox_command(host, port, webhook_url, secret_key, state_file):
    """Run the local Paystack sandbox: Paystack's API, virtual terminals at / and signed webhooks."""
    from devtools.sandbox import create_sandbox_app

    app = create_sandbox_app({"SECRET_KEY": secret_key, "WEBHOOK_URL": webhook_url or None, "STATE_FILE": state_file})
    click.echo(f"Paystack sandbox on http://{host}:{port}  (terminals page: http://{host}:{port}/)")
    click.echo(f"Webhooks to: {webhook_url or '(not sent)'}")
    run_simple(host, port, app, threaded=True, use_reloader=False)
