"""The patient's invoice page behind a signed link (`/p/<token>`): no sign-in, read-only on GET, rate-limited.

A bad or tampered token gets a 404 page and an expired one a 410 page; neither says anything about the
invoice. The "Pay online" button (POST) is the only thing here that may create a Paystack payment request.
"""
import logging

from flask import Blueprint, Response, redirect, render_template, url_for
from sqlalchemy import select

from billing_desk.auth.access import public
from billing_desk.billing.states import LABELS, S, is_payable
from billing_desk.extensions import db, limiter
from billing_desk.models import Invoice, Payment
from billing_desk.notifications.compose import invoice_pdf, receipt_pdf
from billing_desk.notifications.settings import setting
from billing_desk.paystack.errors import PaystackError
from billing_desk.paystack.creation import SyncRefused, ensure_payment_request
from billing_desk.paystack.reviews import open_review_total
from billing_desk.public import links

bp = Blueprint("public", __name__, url_prefix="/p")
log = logging.getLogger(__name__)

rate_limited = limiter.limit(lambda: setting("PUBLIC_LINK_RATE_LIMIT"))


@bp.after_request
def _private_headers(response):
    # The token is the key to the page: keep it out of caches and search engines. (Referer headers never
    # carry it off the site: `security.py` sends Referrer-Policy: same-origin on every page.)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.errorhandler(links.LinkInvalid)
def _invalid_link(_error):
    return render_template(
        "public/link_error.html", code=404, title="This link does not work",
        message="The link may have been copied incompletely. Please use the link from your email exactly as it is, "
                "or ask the hospital's billing desk for a new one.",
    ), 404


@bp.errorhandler(links.LinkExpired)
def _expired_link(_error):
    return render_template(
        "public/link_error.html", code=410, title="This link has expired",
        message="For your privacy, invoice links only work for a limited time. Please ask the hospital's billing "
                "desk to email you a new one.",
    ), 410


def _invoice(token):
    invoice = db.session.get(Invoice, links.invoice_id_from_token(token))
    if invoice is None or invoice.number is None:
        raise links.LinkInvalid()
    return invoice


def _render(invoice, token, *, problem=None, status=200):
    payments = db.session.scalars(
        select(Payment).where(Payment.invoice_id == invoice.id).order_by(Payment.paid_at, Payment.id)
    ).all()
    return render_template(
        "public/invoice.html", invoice=invoice, token=token, payments=payments, status_words=LABELS[invoice.status],
        payable=is_payable(invoice), settled_words=_settled_words(invoice), problem=problem,
        in_review_minor=open_review_total(invoice.id),
    ), status


def _settled_words(invoice):
    """What a patient reads instead of a pay button on an invoice that takes no payment."""
    if invoice.status == S.VOID:
        return "This invoice was cancelled by the hospital. Nothing is owed on it."
    if invoice.status in (S.PARTIALLY_REFUNDED, S.REFUNDED):
        return "This invoice has been settled and refunded in part or in full. Nothing more is owed on it."
    if invoice.balance_due_minor == 0:
        return "This invoice is paid in full. Thank you — nothing more is owed."
    return None


def _pdf_response(filename, data):
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/<token>")
@public
@rate_limited
def invoice(token):
    return _render(_invoice(token), token)


@bp.get("/<token>/invoice.pdf")
@public
@rate_limited
def invoice_document(token):
    return _pdf_response(*invoice_pdf(_invoice(token)))


@bp.get("/<token>/receipts/<id:payment_id>.pdf")
@public
@rate_limited
def receipt_document(token, payment_id):
    invoice = _invoice(token)
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.invoice_id != invoice.id:
        raise links.LinkInvalid()
    return _pdf_response(*receipt_pdf(payment))


@bp.post("/<token>/pay")
@public
@rate_limited
def pay(token):
    """Send the patient to Paystack's pay page for the balance owed right now (a new request when the balance
    changed since the last one; the old one is withdrawn first)."""
    invoice = _invoice(token)
    if not is_payable(invoice):
        return redirect(url_for(".invoice", token=token), 303)
    try:
        payment_request = ensure_payment_request(invoice.id)
    except (PaystackError, SyncRefused):  # the patient gets a page, not an error
        db.session.rollback()
        log.exception("public pay link for invoice %s could not be made", invoice.id)
        return _render(
            db.session.get(Invoice, invoice.id), token, status=503,
            problem="Online payment is not available just now. Please try again in a few minutes, "
                    "or pay at the hospital's billing desk.",
        )
    return redirect(links.pay_url(payment_request.request_code), 303)
