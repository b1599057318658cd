"""The one way to lock an invoice for a change to its money: payments, refunds, issuing, payment requests."""
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import Invoice


def lock_invoice(invoice_id):
    """The invoice under a row lock, re-read, so concurrent changes cannot both read the old balance; None when
    there is no such invoice."""
    # `of=Invoice`: PostgreSQL cannot lock the outer-joined patient; populate_existing: an invoice already in
    # the session must show the amounts read under the lock, not what it held before another payment.
    return db.session.execute(
        select(Invoice).where(Invoice.id == invoice_id).with_for_update(of=Invoice)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
