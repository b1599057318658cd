"""The one seam through which background work is started.

With `REDIS_URL` unset (the embedded default) a job runs inline in the calling process, after the caller's
commit. With it set, the job goes to an RQ queue; if Redis is down the job is not run inline: `enqueue`
logs it and returns False, and the durable record the job works from (a stored webhook event, an outbox
row) is picked up by the sweep once Redis is back.
"""
import logging
from functools import lru_cache

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

log = logging.getLogger(__name__)

QUEUES = ("webhooks", "emails", "default")
DEFAULT_RETRY = Retry(max=5, interval=[10, 30, 120, 600, 1800])
LIVE_JOB_STATUSES = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def jobs_run_inline(app=None):
    return not (app or current_app).config.get("REDIS_URL")


@lru_cache(maxsize=8)
def _redis_for(url):
    return Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)


def redis_connection(app=None):
    return _redis_for((app or current_app).config["REDIS_URL"])


def queue_name(purpose, app=None):
    if purpose not in QUEUES:
        raise ValueError(f"unknown queue {purpose!r}")
    return f"{(app or current_app).config['QUEUE_PREFIX']}-{purpose}"


def get_queue(purpose, app=None):
    app = app or current_app
    return Queue(queue_name(purpose, app), connection=redis_connection(app))


def enqueue(func, *args, queue="default", retry=DEFAULT_RETRY, job_id=None):
    """Run `func(*args)` in the background (call only after committing what the job reads).

    Returns True when the job ran (inline) or was queued, False when it could not be started now.
    """
    if jobs_run_inline():
        try:
            func(*args)
        except Exception:
            log.exception("inline job %s%r failed; it will be retried by the sweep", func.__name__, args)
            return False
        return True
    try:
        get_queue(queue).enqueue(func, *args, retry=retry, job_id=job_id)
    except RedisError:
        log.warning("Redis unavailable: %s%r not queued; the sweep will pick it up", func.__name__, args)
        return False
    return True


def job_is_live(job_id):
    """True while the job with this id is waiting, running or scheduled for a retry in Redis, so a sweep does not
    queue a twin. False inline, for a finished, failed or unknown job, and when Redis cannot be asked (the
    following `enqueue` then reports Redis as down)."""
    if jobs_run_inline():
        return False
    try:
        return Job.fetch(job_id, connection=redis_connection()).get_status() in LIVE_JOB_STATUSES
    except (NoSuchJobError, RedisError):
        return False
