"""`flask paystack reconcile --date YYYY-MM-DD`."""
import click

from billing_desk.timeutil import hospital_zone

paystack_cli = click.Group("paystack", help="Paystack housekeeping.")


@paystack_cli.command("reconcile")
@click.option("--date", "day", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The hospital's day (TIMEZONE) to reconcile, e.g. 2026-11-20.")
def reconcile_command(day):
    """Verify that day's pending payment requests, then compare card payments with Paystack's."""
    from billing_desk.paystack.errors import PaystackError
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
