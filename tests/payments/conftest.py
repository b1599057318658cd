# A real SMTP server on loopback, so receipt emails queued by desk payments are really sent.
from tests.notifications.support import app_config, smtp_server  # noqa: F401
