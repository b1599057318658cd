# A real SMTP server on loopback, so receipt emails queued by desk payments are really sent; Paystack is the sandbox.
from tests.notifications.support import app_config, paystack_sandbox, sandbox_session, smtp_server  # noqa: F401
