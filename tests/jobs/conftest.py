"""The worker tests get their own redis-server on a free port, and an app whose jobs go to it."""
import pytest

from tests.jobs.support import RedisServer


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def app_config(app_config, redis_server):
    return {**app_config, "REDIS_URL": redis_server.url, "WORKER_DEAD_AFTER_SECONDS": 2}
