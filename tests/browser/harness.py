"""The parts of a browser test that are not pytest fixtures: Chromium, a real RQ worker process, axe-core.

Chromium is Debian's (`/usr/bin/chromium`, installed by `scripts/setup requirements-dev.txt`), driven by
Playwright; Playwright's own browser download is never used. axe-core comes from npm into
`tests/browser/node_modules` (also installed by `scripts/setup`) and is injected into the page under test.
"""
import os
import signal
import subprocess
import sys
from pathlib import Path

from billing_desk.config import ROOT_DIR

CHROMIUM = "/usr/bin/chromium"
# No background traffic: this machine's network is closed, and Chromium's own calls home only slow it down.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
FAILURES_DIR = Path(os.environ.get("BROWSER_FAILURES_DIR", ROOT_DIR / "test-results" / "browser"))
BLOCKING_IMPACTS = ("serious", "critical")

# App config key → the environment variable `load_config` reads it from, for a worker process that must act
# exactly as the app under test does (same database, queues, Paystack, SMTP, link signing key).
WORKER_ENV = {
    "SQLALCHEMY_DATABASE_URI": "DATABASE_URL", "SECRET_KEY": "SECRET_KEY", "REDIS_URL": "REDIS_URL",
    "QUEUE_PREFIX": "QUEUE_PREFIX", "PAYSTACK_BASE_URL": "PAYSTACK_BASE_URL",
    "PAYSTACK_SECRET_KEY": "PAYSTACK_SECRET_KEY", "PAYSTACK_PAY_URL_BASE": "PAYSTACK_PAY_URL_BASE",
    "PAYSTACK_READ_TIMEOUT": "PAYSTACK_READ_TIMEOUT", "SMTP_HOST": "SMTP_HOST", "SMTP_PORT": "SMTP_PORT",
    "SMTP_SECURITY": "SMTP_SECURITY", "SMTP_TIMEOUT": "SMTP_TIMEOUT", "MAIL_FROM": "MAIL_FROM",
    "PUBLIC_BASE_URL": "PUBLIC_BASE_URL", "PDF_CACHE_DIR": "PDF_CACHE_DIR", "HOSPITAL_NAME": "HOSPITAL_NAME",
}


def launch_chromium(playwright):
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run scripts/setup requirements-dev.txt (it installs chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


class WorkerProcess:
    """`flask --app wsgi worker` in its own process, configured like the app under test: the real thing a
    deployment runs, so jobs cross a process boundary through Redis as they do in production."""

    def __init__(self, config, log_path):
        self.config = config
        self.log_path = Path(log_path)
        self.process = None

    def environment(self):
        env = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "PYTEST_"))}
        env.update({name: str(self.config[key]) for key, name in WORKER_ENV.items()
                    if self.config.get(key) is not None})
        env["APP_ENV"] = "development"
        return env

    def start(self):
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT_DIR, env=self.environment(),
                stdout=log, stderr=subprocess.STDOUT,
            )
        return self

    def kill(self):
        """SIGKILL: the worker dies mid-job, as on a crash or an out-of-memory kill."""
        self._signal(signal.SIGKILL)

    def stop(self):
        """SIGTERM (RQ finishes the job in hand), then SIGKILL if it does not stop in time."""
        self._signal(signal.SIGTERM)

    def _signal(self, signum):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signum)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def axe_violations(page, impacts=BLOCKING_IMPACTS):
    """Run axe-core on the page as it is now; the violations of these impacts, as readable lines."""
    if not AXE_SCRIPT.exists():
        raise RuntimeError(f"{AXE_SCRIPT} is missing: run scripts/setup requirements-dev.txt (it runs npm ci)")
    # Evaluated through the DevTools protocol, not as a <script> tag: the app's Content-Security-Policy
    # (script-src 'self') rightly refuses inline scripts, and the check must see the page as served.
    page.evaluate(AXE_SCRIPT.read_text())
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{page.url}: [{v['impact']}] {v['id']}: {v['help']} — " + "; ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in result["violations"] if v["impact"] in impacts
    ]


def failure_screenshot(page, nodeid):
    """Save what the browser showed when a test failed; returns the file's path."""
    FAILURES_DIR.mkdir(parents=True, exist_ok=True)
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in nodeid)[-150:]
    path = FAILURES_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
