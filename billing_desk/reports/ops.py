"""Operations: is the app ready to serve (database, Redis), and what are the background queues doing.

Queue figures come straight from RQ's own registries in Redis under this app's `QUEUE_PREFIX`, so the
jobs page shows exactly what `flask worker` sees.
"""
from dataclasses import dataclass

from redis.exceptions import RedisError
from rq import Worker
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from billing_desk.extensions import db
from billing_desk.jobs import QUEUES, get_queue, jobs_run_inline, redis_connection

FAILED_SHOWN = 50  # per queue; older failures stay in Redis until they expire or are deleted


def readiness_problems():
    """What cannot answer right now, by name ({} when ready). Never raises: a probe must answer."""
    problems = {}
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        problems["database"] = type(error).__name__
    finally:
        db.session.rollback()
    if not jobs_run_inline():
        try:
            redis_connection().ping()
        except RedisError as error:
            problems["redis"] = type(error).__name__
    return problems


@dataclass
class QueueInfo:
    purpose: str
    name: str
    queued: int
    started: int
    scheduled: int
    failed: int
    failed_jobs: list


@dataclass
class FailedJob:
    id: str
    description: str
    ended_at: object
    traceback: str


def queue_overview():
    """Every queue with its depth and failed jobs (newest first), and the workers listening to them.

    Raises RedisError when Redis does not answer; the page says so.
    """
    queues = []
    listened = set()
    for purpose in QUEUES:
        queue = get_queue(purpose)
        listened.add(queue.name)
        registry = FailedJobRegistry(queue=queue)
        ids = registry.get_job_ids(0, FAILED_SHOWN - 1, desc=True)
        jobs = [job for job in Job.fetch_many(ids, connection=queue.connection) if job is not None]
        queues.append(QueueInfo(
            purpose=purpose, name=queue.name, queued=queue.count,
            started=queue.started_job_registry.count, scheduled=queue.scheduled_job_registry.count,
            failed=registry.count, failed_jobs=[_failed(job) for job in jobs],
        ))
    workers = [
        worker for worker in Worker.all(connection=redis_connection())
        if listened.intersection(worker.queue_names())
    ]
    return queues, workers


def _failed(job):
    result = job.latest_result()
    return FailedJob(
        id=job.id, description=job.description or job.func_name, ended_at=job.ended_at,
        traceback=(result.exc_string if result is not None else None) or "(no traceback recorded)",
    )


class UnknownJob(LookupError):
    """The job is not (or no longer) among that queue's failed jobs."""


def _failed_registry(purpose, job_id):
    if purpose not in QUEUES:
        raise UnknownJob(purpose)
    registry = FailedJobRegistry(queue=get_queue(purpose))
    if job_id not in registry:
        raise UnknownJob(job_id)
    return registry


def retry_failed(purpose, job_id):
    """Put a failed job back on its queue, as if it had just been enqueued."""
    _failed_registry(purpose, job_id).requeue(job_id)


def delete_failed(purpose, job_id):
    """Forget a failed job for good (its registry entry and the job itself)."""
    _failed_registry(purpose, job_id).remove(job_id, delete_job=True)
