"""/readyz, and the jobs page against a real Redis with a real failed job (per-test queue prefix)."""
import pytest
from rq import SimpleWorker
from rq.job import Job
from rq.registry import FailedJobRegistry

from billing_desk import create_app
from billing_desk.extensions import db
from billing_desk.jobs import get_queue, redis_connection
from tests.paystack.webhook_fixtures import DEAD_REDIS_URL, REDIS_URL, clean_queues, form_post, queue_prefix  # noqa: F401


def explode(number):
    """A job that fails the way a real one does: by raising."""
    raise RuntimeError(f"boom {number}")


def test_readyz_with_inline_jobs_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "sweep_last_ran": None}  # no sweep has run yet
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_with_redis(app_config, queue_prefix):
    app_config.update(REDIS_URL=REDIS_URL, QUEUE_PREFIX=queue_prefix)
    app = create_app(app_config)
    assert app.test_client().get("/readyz").status_code == 200
    with app.app_context():
        db.engine.dispose()  # this second app's pooled connection must not outlive the test


def test_readyz_names_redis_when_it_is_down(app_config, request):
    app_config["REDIS_URL"] = DEAD_REDIS_URL
    client = request.getfixturevalue("client")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "failing": {"redis": "ConnectionError"}, "sweep_last_ran": None}


def test_readyz_names_the_database_when_it_is_down(app_config):
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert list(response.get_json()["failing"]) == ["database"]
    assert app.test_client().get("/healthz").status_code == 200


def test_jobs_page_says_jobs_run_inline(admin_client):
    page = admin_client.get("/reports/jobs").get_data(as_text=True)
    assert "REDIS_URL is not set" in page and "run inline" in page


def test_jobs_page_says_when_redis_is_down(app_config, request):
    app_config["REDIS_URL"] = DEAD_REDIS_URL
    response = request.getfixturevalue("admin_client").get("/reports/jobs")
    assert response.status_code == 503
    assert "Redis does not answer" in response.get_data(as_text=True)


@pytest.fixture
def redis_admin(app_config, queue_prefix, request):
    app_config.update(REDIS_URL=REDIS_URL, QUEUE_PREFIX=queue_prefix)
    client = request.getfixturevalue("admin_client")
    yield client
    clean_queues(queue_prefix)


@pytest.fixture
def failed_job(redis_admin):
    job = get_queue("emails").enqueue(explode, 42, retry=None)
    SimpleWorker([get_queue("emails")], connection=redis_connection()).work(burst=True)
    assert job.id in FailedJobRegistry(queue=get_queue("emails"))
    return job


def test_jobs_page_shows_queues_and_the_failed_job(redis_admin, failed_job, queue_prefix):
    get_queue("default").enqueue(explode, 1)  # waiting: no worker runs it
    page = redis_admin.get("/reports/jobs").get_data(as_text=True)
    assert f"{queue_prefix}-webhooks" in page and f"{queue_prefix}-default" in page
    assert "Failed jobs: emails (1)" in page
    assert failed_job.id in page
    assert "RuntimeError: boom 42" in page  # the traceback's last line, and the whole traceback below it
    assert "Traceback (most recent call last)" in page
    assert f"Retry job {failed_job.id[:8]}" in page and f"Delete job {failed_job.id[:8]}" in page
    assert "No worker is listening" in page


def test_retry_puts_the_job_back_on_its_queue(redis_admin, failed_job):
    response = form_post(redis_admin, f"/reports/jobs/emails/{failed_job.id}/retry", {})
    assert response.status_code == 302
    assert failed_job.id not in FailedJobRegistry(queue=get_queue("emails"))
    assert get_queue("emails").job_ids == [failed_job.id]


def test_delete_forgets_the_job(redis_admin, failed_job):
    response = form_post(redis_admin, f"/reports/jobs/emails/{failed_job.id}/delete", {})
    assert response.status_code == 302
    assert failed_job.id not in FailedJobRegistry(queue=get_queue("emails"))
    assert not Job.exists(failed_job.id, connection=redis_connection())


@pytest.mark.parametrize("url", ["/reports/jobs/emails/no-such-job/retry", "/reports/jobs/printing/{id}/retry",
                                 "/reports/jobs/default/{id}/delete"])
def test_unknown_jobs_are_404(redis_admin, failed_job, url):
    assert form_post(redis_admin, url.format(id=failed_job.id), {}).status_code == 404
    assert failed_job.id in FailedJobRegistry(queue=get_queue("emails"))


def test_job_buttons_need_csrf(redis_admin, failed_job):
    assert redis_admin.post(f"/reports/jobs/emails/{failed_job.id}/delete").status_code == 400
    assert failed_job.id in FailedJobRegistry(queue=get_queue("emails"))


def test_jobs_page_lists_the_workers_of_these_queues(redis_admin):
    worker = SimpleWorker([get_queue("webhooks"), get_queue("emails")], connection=redis_connection())
    worker.register_birth()
    try:
        page = redis_admin.get("/reports/jobs").get_data(as_text=True)
    finally:
        worker.register_death()
    assert worker.name in page
    assert "No worker is listening" not in page
