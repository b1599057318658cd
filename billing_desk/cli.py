"""Flask CLI commands: `flask --app wsgi users create`, `worker`, `paystack-sandbox`, …"""
import click
from sqlalchemy import func, select

from billing_desk import audit
from billing_desk.extensions import db
from billing_desk.models import Staff
from billing_desk.models.staff import ROLES

users = click.Group("users", help="Manage staff accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(ROLES), default="cashier", show_default=True)
@click.option("--name", "full_name", default=None, help="Full name (defaults to the email's local part).")
@click.password_option(help="Prompted for when not given.")
def create_user(email, role, full_name, password):
    """Create a staff account (the first admin is made this way)."""
    email = email.strip().lower()
    if db.session.execute(select(Staff).where(func.lower(Staff.email) == email)).scalar_one_or_none():
        raise click.ClickException(f"{email} already has an account.")
    if len(password) < 8:
        raise click.ClickException("The password must have at least 8 characters.")
    staff = Staff(email=email, role=role, full_name=full_name or email.split("@")[0])
    staff.set_password(password)
    db.session.add(staff)
    db.session.flush()
    audit.record("staff.created", staff, after={"email": email, "role": role}, note="created from the command line")
    db.session.commit()
    click.echo(f"Created {role} {email}.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker_command(burst):
    """Run an RQ worker on this app's queues (needs REDIS_URL)."""
    from rq import SimpleWorker

    from billing_desk.jobs import QUEUES, get_queue, jobs_run_inline, redis_connection

    if jobs_run_inline():
        raise click.ClickException("REDIS_URL is not set: jobs run inline in the web process, no worker needed.")
    # SimpleWorker runs jobs in this process: no fork, so no database connections shared across a fork,
    # and ~5x the throughput of the forking worker for our short jobs.
    queues = [get_queue(purpose) for purpose in QUEUES]
    db.engine.dispose()
    SimpleWorker(queues, connection=redis_connection()).work(burst=burst, with_scheduler=True)


def register(app):
    app.cli.add_command(users)
    app.cli.add_command(worker_command)
