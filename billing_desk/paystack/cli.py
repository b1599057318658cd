"""`flask paystack reconcile --date YYYY-MM-DD` and `flask sweep [--every SECONDS]`."""
import logging
import time

import click

from billing_desk.extensions import db
from billing_desk.timeutil import hospital_zone

paystack_cli = click.Group("paystack", help="Paystack housekeeping.")
log = logging.getLogger(__name__)


@paystack_cli.command("reconcile")
@click.option("--date", "day", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The hospital's day (TIMEZONE) to reconcile, e.g. 2026-11-20.")
def reconcile_command(day):
    """Verify that day's pending payment requests, then compare card payments with Paystack's."""
    from billing_desk.paystack.client import PaystackError
    from billing_desk.paystack.reconcile import reconcile_day

    try:
        result = reconcile_day(day.date())
    except PaystackError as error:
        raise click.ClickException(f"Paystack could not be reached: {error}") from None
    sweep = result.sweep
    click.echo(f"Reconciliation for {result.day:%Y-%m-%d} ({hospital_zone().key})")
    click.echo(f"  pending requests verified: {sweep.verified} ({sweep.paid} paid now, {sweep.flagged} flagged)")
    click.echo(f"  card payments: desk {result.ours}, Paystack {result.theirs}")
    for error in sweep.errors:
        click.echo(f"  ! {error}")
    if result.clean:
        click.echo("  no differences.")
        return
    click.echo(f"  {len(result.differences)} difference(s):")
    for line in result.differences:
        click.echo(f"  - {line}")
    raise SystemExit(1)


@click.command("sweep")
@click.option("--every", "every", type=click.IntRange(min=1), default=None, metavar="SECONDS",
              help="Keep running, one pass every SECONDS (default: one pass, then exit).")
def sweep_command(every):
    """Re-queue unapplied webhooks, verify pending payment requests, expire old terminal pushes; then the
    notification sweep (lost email jobs, due retries, reminders)."""
    from billing_desk.notifications.sweep import run_notification_sweep
    from billing_desk.paystack import sweep

    while True:
        try:
            click.echo(f"sweep: {sweep.run()}")
            click.echo(f"notification sweep: {run_notification_sweep()}")
        except Exception:
            if every is None:
                raise
            db.session.rollback()
            log.exception("sweep pass failed; trying again in %s s", every)
        if every is None:
            return
        db.session.remove()
        time.sleep(every)
