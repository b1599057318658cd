"""Worker tests that ask for `redis_server` get their own redis-server on a free port, and an app whose jobs
go to it; the others run with jobs inline."""
import pytest

from tests.jobs.support import RedisServer


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def app_config(app_config, request):
    if "redis_server" not in request.fixturenames:
        return app_config
    redis_url = request.getfixturevalue("redis_server").url
    return {**app_config, "REDIS_URL": redis_url, "WORKER_DEAD_AFTER_SECONDS": 2}
