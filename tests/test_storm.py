"""The webhook storm (bench/storm.py) at suite size: nothing lost, nothing counted twice, no forgery accepted.

A smaller N than the benchmark's, with the same mix and the same faults: a worker SIGKILLed twice and the
storm's own Redis restarted once while the webhooks arrive over HTTP at gunicorn.
"""
import os

import pytest

from bench import storm

pytestmark = pytest.mark.integration
N = int(os.environ.get("STORM_SUITE_N", "300"))


def test_a_webhook_storm_with_worker_kills_and_a_redis_restart_ends_exactly_as_expected():
    server = os.environ.get("TEST_DATABASE_URL") or ""
    summary = storm.run(n=N, log=lambda *_: None, db_server=server if server.startswith("postgresql") else None)
    storm.print_summary(summary)
    assert summary["lost"] == 0
    assert summary["double_counted"] == 0
    assert summary["forged_accepted"] == 0
    assert summary["paid"] == summary["payments"] == summary["expected_paid"]
    assert summary["reviews"] == summary["expected_reviews"]
    assert summary["tally"]["forged"] == {401: summary["tally"]["forged"].get(401, 0)}  # every forgery refused
    assert summary["seconds_to_end_state"] is not None, "the expected end state was not reached"
