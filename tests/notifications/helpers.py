"""Small helpers for the email tests."""
import re

from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.notifications import outbox
from tests.factories import make_issued_invoice, make_patient

URL_RE = re.compile(r"https?://[^\s\"'<>]+")


def emailable_invoice(email="ada.patient@example.org", **invoice_fields):
    return make_issued_invoice(patient=make_patient(email=email), **invoice_fields)


def send_invoice_email(invoice):
    row = outbox.queue_invoice_email(invoice)
    db.session.commit()
    outbox.dispatch([row])
    db.session.refresh(row)
    return row


def pay(invoice, amount_minor, channel="cash", **fields):
    payment = record_payment(invoice.id, PaymentDetails(amount_minor=amount_minor, currency=invoice.currency,
                                                        channel=channel, **fields), actor_id=None)
    db.session.commit()
    return payment


def parts(message):
    """(text, html, [attachments]) of a parsed message."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html, list(message.iter_attachments())


def links_in(text):
    return URL_RE.findall(text)


def public_path(text):
    """The path of the signed invoice link in an email body."""
    return next(url for url in links_in(text) if "/p/" in url).removeprefix("http://desk.test")


def post_signed_in(client, url, data=None, **kwargs):
    """POST with the CSRF token of a signed-in page (the sign-out form on the invoice list), as a browser would
    (`FormClient.post_form` reads /login, which redirects once signed in)."""
    from tests.conftest import CSRF_RE

    match = CSRF_RE.search(client.get("/invoices/").get_data(as_text=True))
    assert match, "no CSRF token on the invoice list"
    return client.post(url, data={**(data or {}), "csrf_token": match.group(1) or match.group(2)}, **kwargs)
