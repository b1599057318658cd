"""Knobs for the email machinery, read from the app config with these defaults (tests shorten them)."""
from flask import current_app

from billing_desk.config import ROOT_DIR

DEFAULTS = {
    "EMAIL_MAX_ATTEMPTS": 5,
    # Seconds to wait after the 1st, 2nd, … failed try: five tries within about 40 minutes.
    "EMAIL_RETRY_INTERVALS": (60, 300, 600, 1200),
    # A row still "sending" this long after it was claimed belongs to a job that died mid-send.
    "EMAIL_SENDING_STALE_SECONDS": 600,
    # A "queued" row this old whose job is not in Redis any more is queued again by the sweep.
    "EMAIL_SWEEP_QUEUED_AGE_SECONDS": 60,
    "EMAIL_SWEEP_BATCH": 200,
    "MAIL_CATCHER_DIR": str(ROOT_DIR / "instance" / "mail"),
    "PUBLIC_LINK_RATE_LIMIT": "60 per minute",
}


def setting(name):
    return current_app.config.get(name, DEFAULTS[name])
