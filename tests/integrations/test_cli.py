from sqlalchemy import select

from billing_desk.api import keys
from billing_desk.extensions import db
from billing_desk.models import ApiKey, WebhookSubscription


def test_create_key_and_add_webhook_print_their_secrets_once(app):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["integrations", "create-key", "--name", "EMR", "--scope", "read", "--scope", "write"])
    assert made.exit_code == 0, made.output
    secret = made.output.strip()
    assert db.session.scalar(select(ApiKey.key_hash)) == keys.hash_key(secret)
    hook = runner.invoke(args=["integrations", "add-webhook", "--name", "EMR", "--url", "http://127.0.0.1:5599/",
                               "--event", "invoice.paid"])
    assert hook.exit_code == 0 and hook.output.strip() == db.session.scalar(select(WebhookSubscription.secret))
    bad = runner.invoke(args=["integrations", "add-webhook", "--name", "EMR", "--url", "file:///etc",
                              "--event", "invoice.paid"])
    assert bad.exit_code != 0


def test_the_sweep_command_runs_the_integration_sweep(app):
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert "0 interrupted deliveries reopened, 0 deliveries started" in result.output, result.output
