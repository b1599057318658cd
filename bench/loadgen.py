"""HTTP figures for the benchmarks: the app under gunicorn, loaded by wrk (installed with apt on first use).

wrk is a C load generator, so it can push the app harder than a Python client: the Python client topped out
near 1.1–1.5k requests/s, too slow to show what the app itself costs against its bare `/healthz` route.
Ports come from BENCH_PORTS ("5400-5499" style; unset: any free port).
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent

# Prints one machine-readable line when wrk finishes: requests, errors, seconds, p50 µs, p95 µs.
REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %.3f %d %d\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(95)))
end
"""
# POSTs one pre-signed body per request from a file of "<signature> <body>" lines, each wrk thread from its
# own slice, so every request is a new event (a repeated one would only measure the duplicate path).
POST_BODIES_LUA = """
local lines, index, step = {}, 0, 1
local counter = 0
setup = function(thread) thread:set("slot", counter); counter = counter + 1 end
init = function(args)
  for line in io.lines(args[1]) do lines[#lines + 1] = line end
  step = tonumber(args[2]); index = slot * math.floor(#lines / step)
end
request = function()
  index = index + 1
  local signature, body = lines[(index - 1) % #lines + 1]:match("^(%S+) (.*)$")
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["x-paystack-signature"] = signature}, body)
end
"""


def ensure_wrk():
    """wrk on PATH, installed from Debian with apt-get if missing (the bench's own need, not the app's)."""
    if shutil.which("wrk"):
        return shutil.which("wrk")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    install = subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], capture_output=True)
    if install.returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-q"], check=True, capture_output=True)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk")


def free_port():
    """A free port in BENCH_PORTS (e.g. "5400-5499"), or any free one."""
    first, _, last = os.environ.get("BENCH_PORTS", "0-0").partition("-")
    for port in range(int(first), int(last or first) + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError(f"no free port in BENCH_PORTS={os.environ.get('BENCH_PORTS')}")


def wait_for(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def gunicorn(env, workers=2, worker_class="sync", threads=1):
    """The app (`wsgi:app`) under gunicorn on a free port; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--worker-class", worker_class,
         "--threads", str(threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env={**os.environ, **env},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def signed_in_cookie(base, email, password):
    """The session cookie of a staff member signed in through the login form."""
    session = requests.Session()
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = session.post(f"{base}/login", data={"email": email, "password": password, "csrf_token": token},
                            allow_redirects=False)
    assert response.status_code == 302, "sign-in failed"
    return "; ".join(f"{name}={value}" for name, value in session.cookies.items())


def wrk(url, *, seconds=5, connections=4, threads=2, headers=(), script=REPORT_LUA, script_args=()):
    """Run wrk against `url`; returns {"rate": requests/s, "errors", "p50", "p95" (ms), "requests"}."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script if script == REPORT_LUA else script + REPORT_LUA)
    command = [ensure_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "-s", handle.name]
    for header in headers:
        command += ["-H", header]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    try:
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(handle.name)
    count, errors, duration, p50, p95 = re.search(r"^BENCH (\S+) (\S+) (\S+) (\S+) (\S+)$", output, re.M).groups()
    return {"requests": int(count), "errors": int(errors), "rate": int(count) / float(duration),
            "p50": int(p50) / 1000, "p95": int(p95) / 1000}


def wrk_posts(url, signed_bodies, **options):
    """wrk POSTing each (raw body, signature) once in turn; see POST_BODIES_LUA."""
    threads = options.setdefault("threads", 2)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        for raw, signature in signed_bodies:
            handle.write(f"{signature} {raw.decode()}\n")
    try:
        return wrk(url, script=POST_BODIES_LUA, script_args=(handle.name, str(threads)), **options)
    finally:
        os.unlink(handle.name)
