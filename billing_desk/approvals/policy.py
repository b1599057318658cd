"""Which actions need a supervisor's approval: plain rules over the thresholds the settings give.

An amount threshold T means "amounts of T or more need approval"; 0 means every one does. Voiding only
guards issued invoices (a draft has no number and nothing to hide).
"""
from dataclasses import dataclass

VOID, REFUND_PAYMENT, REFUND_DEPOSIT = "void_invoice", "refund_payment", "refund_deposit"
LABELS = {
    VOID: "Void an invoice",
    REFUND_PAYMENT: "Refund a payment",
    REFUND_DEPOSIT: "Refund a deposit",
}


class ApprovalRefused(ValueError):
    """The request cannot be made or decided; the message is fit to show staff."""


@dataclass(frozen=True)
class Thresholds:
    refund_minor: int = 0
    deposit_refund_minor: int = 0
    void_issued: bool = True

    @classmethod
    def from_config(cls, config):
        return cls(
            refund_minor=config["APPROVAL_REFUND_THRESHOLD_MINOR"],
            deposit_refund_minor=config["APPROVAL_DEPOSIT_REFUND_THRESHOLD_MINOR"],
            void_issued=config["APPROVAL_VOID_REQUIRED"],
        )


def needs_approval(action, thresholds, *, amount_minor=None, issued=True):
    """True when `action` (of `amount_minor`, on an issued invoice or not) must be approved by a supervisor."""
    if action == VOID:
        return thresholds.void_issued and issued
    limit = {REFUND_PAYMENT: thresholds.refund_minor, REFUND_DEPOSIT: thresholds.deposit_refund_minor}[action]
    return amount_minor is None or amount_minor >= limit
