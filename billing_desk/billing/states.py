"""The invoice state machine: the only code that changes `Invoice.status`.

    draft ──► issued ──► partially_paid ──► paid
      │         │              │              │
      └─► void ◄┘              └──► partially_refunded ──► refunded
                                         ▲                  ▲
                                  paid ──┴──────────────────┘

Payments and refunds never name a status: `settle` derives the target from the invoice's amounts and
moves along an edge, or raises.
"""
from enum import StrEnum


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


S = InvoiceStatus
TRANSITIONS = {
    S.DRAFT: {S.ISSUED, S.VOID},
    S.ISSUED: {S.PARTIALLY_PAID, S.PAID, S.VOID},
    S.PARTIALLY_PAID: {S.PAID, S.PARTIALLY_REFUNDED, S.REFUNDED},
    S.PAID: {S.PARTIALLY_REFUNDED, S.REFUNDED},
    S.PARTIALLY_REFUNDED: {S.REFUNDED},
    S.VOID: set(),
    S.REFUNDED: set(),
}
# Statuses in which the desk may take money against the invoice.
PAYABLE = frozenset({S.ISSUED, S.PARTIALLY_PAID})
LABELS = {
    S.DRAFT: "Draft",
    S.ISSUED: "Issued — unpaid",
    S.PARTIALLY_PAID: "Partially paid",
    S.PAID: "Paid",
    S.VOID: "Void",
    S.PARTIALLY_REFUNDED: "Partially refunded",
    S.REFUNDED: "Refunded",
}


class InvalidTransition(ValueError):
    """A status change the state machine does not allow; the message is fit to show a cashier."""


def can_move(current, target):
    return S(target) in TRANSITIONS[S(current)]


def move(invoice, target):
    """Move `invoice` to `target` along an allowed edge; returns the previous status."""
    current = S(invoice.status)
    target = S(target)
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(f"An invoice that is {LABELS[current].lower()} cannot become {LABELS[target].lower()}.")
    invoice.status = target.value
    return current


def status_for_amounts(invoice):
    """The status an issued invoice's money says it should have."""
    if invoice.amount_refunded_minor > 0:
        return S.REFUNDED if invoice.amount_paid_minor <= 0 else S.PARTIALLY_REFUNDED
    if invoice.amount_paid_minor >= invoice.total_minor:
        return S.PAID
    if invoice.amount_paid_minor > 0:
        return S.PARTIALLY_PAID
    return S.ISSUED


def settle(invoice):
    """After money moved: bring the status in line with the amounts (no-op when already there)."""
    target = status_for_amounts(invoice)
    if S(invoice.status) != target:
        move(invoice, target)


def refusal_to_collect(invoice):
    """Why no money can be collected on the invoice now (words for a cashier or a patient), or None.

    The one payability rule: the desk, the terminals and the patient's pay link all ask this.
    """
    status = S(invoice.status)
    if status not in PAYABLE:
        return f"Invoice {invoice.number or invoice.id} is {LABELS[status].lower()}: there is nothing to collect."
    if invoice.balance_due_minor <= 0:
        return f"Nothing is owed on invoice {invoice.number or invoice.id}, so there is nothing to collect."
    return None


def is_payable(invoice):
    return refusal_to_collect(invoice) is None
