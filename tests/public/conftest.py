from tests.notifications.support import *  # noqa: F401,F403  (shared fixtures)
