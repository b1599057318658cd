"""Flask CLI commands: `flask --app wsgi users create`, `worker`, `sweep`, …"""
import re

import click

from billing_desk.auth import accounts
from billing_desk.extensions import db
from billing_desk.models.staff import MIN_PASSWORD_LENGTH, ROLES

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

users = click.Group("users", help="Manage staff accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(ROLES), default="cashier", show_default=True)
@click.option("--name", "full_name", default=None, help="Full name (defaults to the email's local part).")
@click.password_option(help=f"At least {MIN_PASSWORD_LENGTH} characters; prompted for when not given.")
def create_user(email, role, full_name, password):
    """Create a staff account (the first admin is made this way)."""
    email = email.strip().lower()
    if len(email) > 254 or not EMAIL.fullmatch(email):
        raise click.ClickException(f"{email!r} is not an email address.")
    if full_name is not None and not 0 < len(full_name.strip()) <= 120:
        raise click.ClickException("The name must have 1 to 120 characters.")
    try:
        accounts.create_staff(email=email, full_name=(full_name or email.split("@")[0]).strip(), role=role,
                              password=password, actor_id=None, note="created from the command line")
    except accounts.AccountRefused as refused:
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    click.echo(f"Created {role} {email}.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker_command(burst):
    """Run an RQ worker on this app's queues (needs REDIS_URL); it waits out a Redis outage and carries on."""
    from flask import current_app
    from rq import Queue

    from billing_desk.jobs import QUEUES, jobs_run_inline, queue_name
    from billing_desk.jobs.worker import run_worker

    if jobs_run_inline():
        raise click.ClickException("REDIS_URL is not set: jobs run inline in the web process, no worker needed.")
    names = [queue_name(purpose) for purpose in QUEUES]
    db.engine.dispose()
    run_worker(current_app.config["REDIS_URL"], lambda connection: [Queue(n, connection=connection) for n in names],
               burst=burst, heartbeat_seconds=current_app.config["WORKER_HEARTBEAT_SECONDS"])


@click.command("seed-demo")
def seed_demo_command():
    """Add demo staff, price list, patients and invoices to an empty database, and print the logins."""
    from billing_desk.seed import DEMO_PASSWORD, DEMO_STAFF, AlreadySeeded, seed_demo

    try:
        result = seed_demo()
    except AlreadySeeded as already:
        click.echo(str(already))
    else:
        click.echo(f"Demo data: {result.staff} staff, {result.services} services, "
                   f"{result.patients} patients, {result.invoices} invoices.")
    click.echo("Demo logins (password for all: %s):" % DEMO_PASSWORD)
    for email, name, role in DEMO_STAFF:
        click.echo(f"  {role:8} {email}  ({name})")


def register(app):
    from billing_desk.jobs.cli import scheduler_command, sweep_command
    from billing_desk.paystack.cli import paystack_cli

    app.cli.add_command(users)
    app.cli.add_command(worker_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(paystack_cli)
    app.cli.add_command(sweep_command)
    app.cli.add_command(scheduler_command)
