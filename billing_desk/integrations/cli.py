"""`flask integrations create-key | add-webhook`: the admin page's two forms, for scripts and first set-up."""
from datetime import datetime, time

import click

from billing_desk.api import keys
from billing_desk.extensions import db
from billing_desk.integrations import service
from billing_desk.integrations.outbox import EVENTS
from billing_desk.models.integration import SCOPES


def register_commands(cli):
    @cli.command("create-key")
    @click.option("--name", required=True, help="The integration, e.g. 'Hospital EMR'.")
    @click.option("--scope", "scopes", type=click.Choice(SCOPES), multiple=True, required=True)
    @click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="YYYY-MM-DD")
    def create_key(name, scopes, expires):
        """Make an API key and print it (the only time it is shown)."""
        expires_at = datetime.combine(expires.date(), time.min) if expires else None
        try:
            made = keys.create_key(name=name, scopes=scopes, expires_at=expires_at, actor_id=None)
        except keys.KeyRefused as refused:
            raise click.ClickException(str(refused)) from None
        db.session.commit()
        click.echo(made.secret)

    @cli.command("add-webhook")
    @click.option("--name", required=True)
    @click.option("--url", required=True)
    @click.option("--event", "events", type=click.Choice(list(EVENTS)), multiple=True, required=True)
    def add_webhook(name, url, events):
        """Subscribe a URL to events and print its signing secret."""
        if not url.lower().startswith(("http://", "https://")):
            raise click.ClickException("The URL must start with http:// or https://.")
        subscription = service.create_subscription(name=name, url=url, events=events, actor_id=None)
        db.session.commit()
        click.echo(subscription.secret)
