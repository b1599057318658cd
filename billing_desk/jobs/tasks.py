"""What the scheduled tasks do. Each commits its own work and returns a summary in words for the admin home."""
from datetime import timedelta

from redis.exceptions import RedisError

from billing_desk.jobs import orphans
from billing_desk.timeutil import local_today


def sweep():
    """Orphaned jobs back on their queues, then the Paystack sweep, lost emails and integration deliveries."""
    from billing_desk.integrations.sweep import run_integration_sweep
    from billing_desk.notifications.sweep import recover_emails
    from billing_desk.paystack import sweep as paystack_sweep

    try:
        requeued = f"{orphans.requeue_orphans()} orphaned jobs requeued"
    except RedisError as error:
        requeued = f"orphaned jobs not checked (Redis unavailable: {type(error).__name__})"
    return f"{requeued}; {paystack_sweep.run()}; {recover_emails()}; {run_integration_sweep()}"


def reminders():
    from billing_desk.notifications.sweep import send_due_reminders

    return f"{send_due_reminders()} reminders queued"


def reconcile_yesterday():
    """Reconcile the hospital's yesterday, store the result, and email the admins when something differs."""
    from billing_desk.reports import reconciliations

    run = reconciliations.run_and_store(local_today() - timedelta(days=1), started_by_id=None)
    return reconciliations.summary(run)
