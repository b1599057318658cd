"""Jobs orphaned by a dead worker: "started" in RQ, but their worker stopped heartbeating (SIGKILL, a lost host).

RQ itself only notices once the job's execution entry expires — minutes later — and until then `job_is_live`
says the job is running, so no sweep touches it. Here a started job is judged by its worker's heartbeat: a
worker that has not beaten for `WORKER_DEAD_AFTER_SECONDS` is dead, and its job goes back on its queue. Jobs
are idempotent, so a job that did commit before its worker died finds its work done and does nothing.
"""
import logging
from datetime import timedelta

from flask import current_app
from rq import Worker
from rq.exceptions import NoSuchJobError
from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.utils import now, utcparse

from billing_desk.jobs import QUEUES, get_queue, jobs_run_inline, redis_connection

log = logging.getLogger(__name__)


def worker_is_alive(connection, worker_name):
    """True while the named worker's heartbeat is recent enough (and it has not registered its death)."""
    if not worker_name:
        return False
    beat, death = connection.hmget(f"{Worker.redis_worker_namespace_prefix}{worker_name}", "last_heartbeat", "death")
    if beat is None or death is not None:
        return False
    dead_after = timedelta(seconds=current_app.config["WORKER_DEAD_AFTER_SECONDS"])
    return now() - utcparse(beat.decode()) < dead_after


def requeue_orphans():
    """Put every started job of a dead worker back at the front of its queue; returns how many.

    Raises RedisError when Redis does not answer (the caller's sweep reports it)."""
    if jobs_run_inline():
        return 0
    connection = redis_connection()
    requeued = 0
    for purpose in QUEUES:
        queue = get_queue(purpose)
        registry = queue.started_job_registry
        for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
            try:
                job = Job.fetch(job_id, connection=connection)
            except NoSuchJobError:
                connection.zrem(registry.key, f"{job_id}:{execution_id}")
                continue
            if job.get_status() != JobStatus.STARTED or worker_is_alive(connection, job.worker_name):
                continue
            with connection.pipeline() as pipeline:
                Execution(execution_id, job_id, connection, worker_name=job.worker_name or "").delete(job, pipeline)
                pipeline.execute()
            queue.enqueue_job(job, at_front=True)
            log.warning("job %s was left started by dead worker %s; queued again", job_id, job.worker_name)
            requeued += 1
    return requeued
