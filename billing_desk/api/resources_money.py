"""/api/v1/payments, /refunds and /terminals: read-only. Taking money stays a desk action."""
from billing_desk.api.framework import endpoint
from billing_desk.api.pages import filtered_page, load_or_404
from billing_desk.api.routes import bp
from billing_desk.api.outputs import PaymentOut, PaymentPage, RefundOut, RefundPage, TerminalList, TerminalOut
from billing_desk.api.schemas import PaymentQuery, RefundQuery
from billing_desk.models import Payment, Refund
from billing_desk.terminals.service import presence_words, terminals


@endpoint(bp, "/payments", "GET", summary="List payments, newest first", tag="Payments", query=PaymentQuery,
          response=PaymentPage)
def list_payments(query):
    return filtered_page(Payment, PaymentPage, query,
                         equal=((Payment.invoice_id, query.invoice_id), (Payment.channel, query.channel)),
                         days=(Payment.paid_at, query.paid_from, query.paid_to))


@endpoint(bp, "/payments/<int:payment_id>", "GET", summary="Get a payment", tag="Payments", response=PaymentOut)
def get_payment(payment_id):
    return PaymentOut.model_validate(load_or_404(Payment, payment_id, "payment"))


@endpoint(bp, "/refunds", "GET", summary="List refunds, newest first", tag="Refunds", query=RefundQuery,
          response=RefundPage)
def list_refunds(query):
    return filtered_page(Refund, RefundPage, query,
                         equal=((Refund.invoice_id, query.invoice_id), (Refund.status, query.status)))


@endpoint(bp, "/refunds/<int:refund_id>", "GET", summary="Get a refund", tag="Refunds", response=RefundOut)
def get_refund(refund_id):
    return RefundOut.model_validate(load_or_404(Refund, refund_id, "refund"))


@endpoint(bp, "/terminals", "GET", summary="The card terminals and whether each can be charged now",
          tag="Terminals", response=TerminalList)
def list_terminals():
    rows = terminals()
    words = presence_words(rows)
    return TerminalList(data=[
        TerminalOut(id=t.id, terminal_id=t.terminal_id, name=t.name, desk=t.desk, active=t.active,
                    presence=words[t.id])
        for t in rows
    ])
