"""A job left "started" by a SIGKILLed worker is found by its worker's stale heartbeat and queued again."""
import os
import signal
import time

import pytest
from rq import SimpleWorker
from rq.job import Job, JobStatus

from billing_desk.jobs import QUEUES, get_queue, redis_connection
from billing_desk.jobs.orphans import requeue_orphans
from tests.jobs.support import wait_for, wait_for_file, worker_process

pytestmark = pytest.mark.integration


def test_a_dead_workers_job_is_queued_again_and_finished_by_another(app, database_url, redis_server, tmp_path):
    release = tmp_path / "release"
    job = get_queue("default").enqueue(wait_for_file, str(release))
    with worker_process(database_url, redis_server.url, app.config["QUEUE_PREFIX"],
                        WORKER_HEARTBEAT_SECONDS=0.5) as worker:
        wait_for(lambda: job.get_status() == JobStatus.STARTED, "the worker to start the job")
        time.sleep(app.config["WORKER_DEAD_AFTER_SECONDS"] + 1)
        assert requeue_orphans() == 0, "a live worker's running job is not an orphan"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    assert job.get_status() == JobStatus.STARTED  # RQ still believes it runs
    time.sleep(app.config["WORKER_DEAD_AFTER_SECONDS"] + 0.5)
    assert requeue_orphans() == 1
    assert job.get_status() == JobStatus.QUEUED and job.id in get_queue("default").job_ids
    assert requeue_orphans() == 0, "queued once"

    release.touch()
    SimpleWorker([get_queue(purpose) for purpose in QUEUES], connection=redis_connection()).work(burst=True)
    finished = Job.fetch(job.id, connection=redis_connection())
    assert finished.get_status() == JobStatus.FINISHED and finished.return_value() == "released"
