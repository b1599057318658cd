"""`flask worker`: an RQ worker that rides out a Redis outage instead of exiting.

RQ's own loop retries a failed dequeue, but quits on a Redis error anywhere else (finishing a job, setting its
state, housekeeping), and its scheduler process (which moves retries back onto the queues) dies at the first
error. Here the worker is restarted after any such exit once Redis answers again, with backoff; the outage is
logged once when it starts and once when it ends; and the scheduler process is restarted when Redis is back.
A daemon thread keeps the worker's heartbeat fresh even while a job runs, so the sweep can tell a dead
worker's "started" job from a live one in seconds (see `jobs.orphans`).
"""
import logging
import signal
import threading
import time

from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker, worker_registration
from rq.exceptions import StopRequested
from rq.utils import now, utcformat

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0
# RQ's housekeeping (its registries' clean-up, restarting a dead scheduler process) runs this often; RQ's own
# default of ten minutes would leave retries unscheduled for that long after an outage.
MAINTENANCE_SECONDS = 60


class RedisOutage:
    """Say once that Redis went away and once that it came back, however many retries happen in between."""

    def __init__(self):
        self.since = None

    def begin(self, error):
        if self.since is None:
            self.since = time.monotonic()
            log.warning("Redis is unavailable (%s): waiting for it, retrying with backoff", error)

    def end(self):
        """True when this call ended an outage."""
        if self.since is None:
            return False
        log.warning("Redis is back after %.0f s: carrying on", time.monotonic() - self.since)
        self.since = None
        return True


class _QuietRetries(logging.Filter):
    """Replace RQ's line-per-retry "could not connect to Redis" errors (and its "quitting" traceback when Redis
    fails outside the dequeue loop) by the outage's single line."""

    def __init__(self, outage):
        super().__init__()
        self.outage = outage

    def filter(self, record):
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, RedisError):
            self.outage.begin(error)
            return False
        if "could not connect to Redis" in record.getMessage():
            self.outage.begin(record.args[1] if len(record.args or ()) > 1 else "connection refused")
            return False
        return True


class ResilientWorker(SimpleWorker):
    """A SimpleWorker (jobs run in this process: no fork, so no database connection shared across a fork) that
    notices the end of an outage and heartbeats from a thread."""

    outage = None

    def heartbeat(self, *args, **kwargs):
        super().heartbeat(*args, **kwargs)
        if self.outage.end():
            self._register_again()
            self._restart_scheduler()

    def _register_again(self):
        """A restarted Redis may have lost this worker's record; write it again so pages and sweeps see it."""
        self.connection.hset(self.key, mapping=self.serialize())
        worker_registration.register(self)

    def _restart_scheduler(self):
        scheduler = self.scheduler
        if scheduler is not None and (scheduler._process is None or not scheduler._process.is_alive()):
            scheduler.acquire_locks(auto_start=True)

    def request_stop(self, signum, frame):
        self.stopping = True
        try:
            super().request_stop(signum, frame)
        except RedisError:  # Redis is down: there is no job to wait for that Redis could tell us about
            raise StopRequested() from None


def _beat(worker, every, stop):
    """Refresh the worker's heartbeat every `every` seconds until `stop` is set (errors wait for Redis)."""
    while not stop.wait(every):
        try:
            worker.connection.hset(worker.key, "last_heartbeat", utcformat(now()))
            worker.connection.expire(worker.key, worker.worker_ttl + 60)
        except RedisError:
            pass


def _wait_for_redis(connection, outage, stop):
    """Ping with backoff until Redis answers or a stop signal arrives (RQ's handlers need Redis, ours don't)."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    delay = 1.0
    while not stop.is_set():
        try:
            connection.ping()
            return
        except RedisError as error:
            outage.begin(error)
        stop.wait(delay)
        delay = min(delay * 2, MAX_BACKOFF_SECONDS)


def run_worker(redis_url, make_queues, *, burst=False, heartbeat_seconds=10):
    """Work the queues `make_queues(connection)` returns until stopped (SIGTERM/SIGINT), through Redis outages.

    In burst mode it returns once the queues are empty (or on the first Redis error)."""
    connection = Redis.from_url(redis_url, health_check_interval=15, socket_connect_timeout=5)
    outage = RedisOutage()
    quiet = _QuietRetries(outage)
    stop = threading.Event()
    while not stop.is_set():
        worker = ResilientWorker(make_queues(connection), connection=connection, maintenance_interval=MAINTENANCE_SECONDS)
        worker.outage, worker.stopping = outage, False
        worker.log.addFilter(quiet)
        stop_beat = threading.Event()
        threading.Thread(target=_beat, args=(worker, heartbeat_seconds, stop_beat), daemon=True).start()
        try:
            worker.work(burst=burst, with_scheduler=True)
        except RedisError as error:  # raised from start-up or tear-down, outside RQ's own loop
            outage.begin(error)
            _quietly(worker.unsubscribe)
        finally:
            stop_beat.set()
        if burst or worker.stopping:
            return
        _wait_for_redis(connection, outage, stop)


def _quietly(action):
    try:
        action()
    except (RedisError, RuntimeError):
        pass
