"""`flask scheduler` (the one schedule, in a loop) and `flask sweep` (one sweep now)."""
import logging
import signal
import threading

import click

log = logging.getLogger(__name__)


@click.command("scheduler")
def scheduler_command():
    """Run the schedule: the sweep, reminders and the nightly reconciliation (see `jobs.schedule`). Any number
    of copies may run (with or without Redis); each task runs once per due time. Stops on SIGTERM/SIGINT."""
    from billing_desk.jobs import scheduler
    from billing_desk.jobs.schedule import TASKS

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    for task in TASKS:
        click.echo(f"scheduler: {task.name} — {task.describe_timing()}")
    scheduler.run_forever(stop)


@click.command("sweep")
def sweep_command():
    """One sweep now: orphaned and lost jobs re-queued, pending Paystack requests verified, old terminal pushes
    expired, lost emails re-sent. Skipped (exit 0) while another process is sweeping."""
    from billing_desk.jobs import scheduler
    from billing_desk.jobs.schedule import TASKS_BY_NAME

    summary = scheduler.run_task(TASKS_BY_NAME["sweep"], force=True)
    click.echo(f"sweep: {summary}" if summary is not None else "sweep: another process is sweeping right now")
