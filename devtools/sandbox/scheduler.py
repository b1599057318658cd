"""One background worker that runs jobs at their due time, in (due time, submission) order.

Webhook attempts, their retries and refund settlements all go through it, so the page's buttons return at
once and tests can wait for "everything queued has finished" with `wait_idle()`.
"""
import heapq
import itertools
import logging
import threading
import time

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self):
        self._jobs = []  # heap of (due, sequence, job)
        self._sequence = itertools.count()
        self._running_job = False
        self._stopped = False
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._work, name="paystack-sandbox-scheduler", daemon=True)
        self._thread.start()

    def call_later(self, delay_s, job):
        with self._condition:
            due = time.monotonic() + max(0.0, delay_s)
            heapq.heappush(self._jobs, (due, next(self._sequence), job))
            self._condition.notify_all()

    def clear(self):
        """Forget every queued job (used by reset); a job already running finishes."""
        with self._condition:
            self._jobs.clear()
            self._condition.notify_all()

    def wait_idle(self, timeout_s):
        """Block until nothing is queued or running; False if `timeout_s` passed first."""
        deadline = time.monotonic() + timeout_s
        with self._condition:
            while self._jobs or self._running_job:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)
            return True

    def stop(self):
        with self._condition:
            self._stopped = True
            self._condition.notify_all()
        self._thread.join(timeout=5)

    def _work(self):
        while True:
            with self._condition:
                job = self._next_due_job()
                if job is None:
                    return
                self._running_job = True
            try:
                job()
            except Exception:  # a broken job must not kill the worker
                log.exception("sandbox background job failed")
            finally:
                with self._condition:
                    self._running_job = False
                    self._condition.notify_all()

    def _next_due_job(self):
        """Wait (holding the condition) for the earliest job to fall due; None once stopped."""
        while not self._stopped:
            if not self._jobs:
                self._condition.wait()
                continue
            wait_s = self._jobs[0][0] - time.monotonic()
            if wait_s > 0:
                self._condition.wait(wait_s)
                continue
            return heapq.heappop(self._jobs)[2]
        return None
