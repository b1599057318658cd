"""The links we give patients: a signed link to their invoice page, and Paystack's hosted pay page.

Emails and reminders carry only the signed link; Paystack's pay page is reached through the page's pay
button, for the request of the balance at that moment (so an old link never offers an old amount).

A signed link names one invoice and expires after `PUBLIC_LINK_MAX_AGE_DAYS`; it is signed with the app's
`SECRET_KEY` and its own salt, so no other signed value of the app can be replayed as one.
"""
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from billing_desk.bounds import MAX_ID

SALT = "billing-desk.public-invoice-link.v1"
SECONDS_PER_DAY = 86400


class LinkInvalid(Exception):
    """The token was not made by us (tampered, truncated, or for something else)."""


class LinkExpired(Exception):
    """The token is ours but older than PUBLIC_LINK_MAX_AGE_DAYS."""


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(invoice_id):
    return _serializer().dumps({"invoice": int(invoice_id)})


def invoice_id_from_token(token):
    """The invoice a token names; raises LinkInvalid or LinkExpired."""
    max_age = current_app.config["PUBLIC_LINK_MAX_AGE_DAYS"] * SECONDS_PER_DAY
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkExpired() from None
    except BadSignature:
        raise LinkInvalid() from None
    invoice_id = payload.get("invoice") if isinstance(payload, dict) else None
    if isinstance(invoice_id, bool) or not isinstance(invoice_id, int) or not 1 <= invoice_id <= MAX_ID:
        raise LinkInvalid()  # even correctly signed, a number no row can have names nothing
    return invoice_id


def public_url(endpoint, **values):
    """An absolute URL on PUBLIC_BASE_URL, built without a request (jobs compose emails outside one)."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def public_invoice_url(invoice_id):
    return public_url("public.invoice", token=make_token(invoice_id))


def pay_url(request_code):
    return current_app.config["PAYSTACK_PAY_URL_BASE"] + request_code
