"""Real processes for the worker tests: a Redis server on a free port, and `flask worker` as a subprocess."""
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError

from billing_desk.config import ROOT_DIR
from billing_desk.extensions import db
from billing_desk.models import WebhookEvent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A throwaway redis-server (no persistence: a restart loses everything, as the harshest outage does)."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = tempfile.mkdtemp(prefix="redis-")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.folder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, "redis-server to answer")
        return self

    def stop(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def _answers(self):
        try:
            return Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
        except RedisError:
            return False


def wait_for(check, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def worker_process(database_url, redis_url, queue_prefix, **settings):
    """`flask --app wsgi worker` in its own process, with the test's database and queues; SIGKILLed at exit."""
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "QUEUE_PREFIX": queue_prefix,
           "PYTHONPATH": str(ROOT_DIR), **{name: str(value) for name, value in settings.items()}}
    log = Path(tempfile.mkstemp(prefix="worker-", suffix=".log")[1])
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT_DIR,
                                   env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    process.log = log
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def stored_event(name="charge.dispute.create"):
    """A stored webhook event the desk does not act on: applying it only records "ignored"."""
    body = json.dumps({"event": name, "data": {"id": time.monotonic_ns()}})
    event = WebhookEvent(event=name, dedupe_key=f"test:{time.monotonic_ns()}", body=body)
    db.session.add(event)
    db.session.commit()
    return event.id


def outcome_of(event_id):
    db.session.expire_all()
    outcome = db.session.get(WebhookEvent, event_id).outcome
    db.session.rollback()
    return outcome


def wait_for_file(path):
    """A job for the tests: it runs until `path` exists (at most a minute), so a test can kill its worker mid-job."""
    deadline = time.monotonic() + 60
    while not Path(path).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return "released"
