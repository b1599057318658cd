"""`flask worker` rides out a Redis restart: it keeps running and applies a job queued after Redis is back."""
import pytest
from rq import Queue

from billing_desk.paystack import tasks
from tests.jobs.support import outcome_of, stored_event, wait_for, worker_process

pytestmark = pytest.mark.integration


def _enqueue(redis_url, prefix, event_id):
    from redis import Redis

    queue = Queue(f"{prefix}-webhooks", connection=Redis.from_url(redis_url))
    queue.enqueue(tasks.apply_webhook_event, event_id, job_id=tasks.event_job_id(event_id))


def test_worker_keeps_running_across_a_redis_restart(app, database_url, redis_server):
    prefix = app.config["QUEUE_PREFIX"]
    with worker_process(database_url, redis_server.url, prefix) as worker:
        before = stored_event()
        _enqueue(redis_server.url, prefix, before)
        wait_for(lambda: outcome_of(before) == "ignored", "the first job to be applied")

        redis_server.stop()
        wait_for(lambda: "Redis is unavailable" in worker.log.read_text(), "the worker to notice the outage")
        assert worker.poll() is None, worker.log.read_text()
        redis_server.start()

        after = stored_event()
        _enqueue(redis_server.url, prefix, after)
        wait_for(lambda: outcome_of(after) == "ignored", "the job queued after the restart", timeout=60)
        assert worker.poll() is None, worker.log.read_text()
        log = worker.log.read_text()
    assert log.count("Redis is unavailable") == 1, log
    assert "Redis is back" in log
