"""Run a WSGI app (the sandbox) on a free loopback port in a background thread, for tests and benchmarks.

    server = SandboxServer(app).start()
    requests.get(server.base_url + "/terminal", headers=...)
    server.stop()

Also usable as a context manager: `with SandboxServer(app) as server: ...`.
"""
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from devtools.sandbox.core import EXTENSION_KEY


class _QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        """No access log line per request (tests and benchmarks make thousands)."""


class SandboxServer:
    def __init__(self, app, host="127.0.0.1", port=0, quiet=True):
        self.app = app
        self.host = host
        self.port = port
        self._handler = _QuietRequestHandler if quiet else None
        self._server = None
        self._thread = None

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}"

    def start(self):
        # threaded: the fault knobs sleep inside requests, which must not stall other clients.
        self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=self._handler)
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="paystack-sandbox-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = None
        sandbox = self.app.extensions.get(EXTENSION_KEY)
        if sandbox is not None:
            sandbox.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
