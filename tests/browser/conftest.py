"""Fixtures for tests in a real browser: Debian's Chromium (Playwright) against the whole product on loopback.

One loopback HTTP server, one real RQ worker process (`flask --app wsgi worker`) and one SMTP server live for
the whole run, because a worker takes seconds to start; the server hands each request to the current test's
app, and every test still gets its own clean tables, inbox and sandbox. The worker is configured exactly as
the test's app (same database, queues, Paystack sandbox, SMTP, signing key), so jobs cross a process
boundary through Redis as in production. When a test fails, a full-page screenshot is saved under
`test-results/browser/` and its path printed with the failure.
"""
import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.harness import WorkerProcess, failure_screenshot, launch_chromium
from tests.conftest import test_config
from tests.notifications.support import SmtpServer, paystack_sandbox, sandbox_session  # noqa: F401  (fixtures)
from tests.paystack.webhook_fixtures import REDIS_URL, LiveServer, clean_queues
from tests.devtools.sandbox.running import SECRET, PaystackSandbox

pytestmark = pytest.mark.integration


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so `page` knows at teardown whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


class CurrentApp:
    """The WSGI app the loopback server serves: whichever test's app is current (503 between tests)."""

    def __init__(self):
        self.app = None

    def __call__(self, environ, start_response):
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"no test is running"]
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def browser_smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_server():
    current = CurrentApp()
    server = LiveServer(current)
    server.current = current
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_overrides(browser_smtp, browser_server, sandbox_session):
    """What makes the app run as a hospital runs it: jobs on Redis (the worker process applies them), shifts
    required, SMTP and the Paystack sandbox on loopback, links to the loopback server. SERVER_NAME is unset so
    the app answers on the server's port."""
    sandbox = sandbox_session.base_url
    return {
        "PAYSTACK_BASE_URL": sandbox, "PAYSTACK_SECRET_KEY": SECRET, "PAYSTACK_READ_TIMEOUT": 5,
        "PAYSTACK_PAY_URL_BASE": f"{sandbox}/pay/",
        "SERVER_NAME": None, "PUBLIC_BASE_URL": browser_server.url,
        "REDIS_URL": REDIS_URL, "QUEUE_PREFIX": f"browser-{uuid.uuid4().hex[:10]}",
        "REQUIRE_OPEN_SHIFT": True,
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": browser_smtp.port, "SMTP_SECURITY": "none", "SMTP_TIMEOUT": 5,
        "MAIL_FROM": "St. Luke's Billing <billing@stlukes.example.org>",
    }


@pytest.fixture(scope="session")
def browser_worker(database_url, _schema, browser_overrides, tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser-worker")
    worker = WorkerProcess({**test_config(database_url, folder), **browser_overrides}, folder / "worker.log").start()
    yield worker
    worker.stop()
    clean_queues(browser_overrides["QUEUE_PREFIX"])


@pytest.fixture
def app_config(app_config, browser_overrides):
    return {**app_config, **browser_overrides}


@dataclass
class Desk:
    """The running product a browser test talks to."""

    url: str
    sandbox: PaystackSandbox
    smtp: SmtpServer
    worker: WorkerProcess

    def at(self, path):
        return f"{self.url}{path}"


@pytest.fixture
def desk(app, paystack_sandbox, browser_server, browser_smtp, browser_worker):
    paystack_sandbox.checked("/config", {"webhook_url": f"{browser_server.url}/paystack/webhook"})
    browser_smtp.messages.clear()
    browser_server.current.app = app
    try:
        yield Desk(browser_server.url, paystack_sandbox, browser_smtp, browser_worker)
    finally:
        browser_server.current.app = None
        paystack_sandbox.checked("/config", {"webhook_url": None})
        # Nothing queued by this test may run against the next test's tables.
        clean_queues(app.config["QUEUE_PREFIX"])
        assert browser_worker.process.poll() is None, f"the worker process died:\n{browser_worker.log()[-3000:]}"


@pytest.fixture
def page(chromium, request):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    reports = [getattr(request.node, f"report_{when}", None) for when in ("setup", "call")]
    if any(report is not None and report.failed for report in reports):
        print(f"\nbrowser screenshot of the failure: {failure_screenshot(page, request.node.nodeid)}")
    context.close()
