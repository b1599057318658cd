"""The audit trail's wording: every action the code records has a label in the one list."""
import ast
from pathlib import Path

import pytest

from billing_desk import audit
from billing_desk.accounts.ledger import MONEY_IN, MONEY_OUT
from billing_desk.billing.refunds import STATUS_RANK
from billing_desk.paystack.payment_requests import RequestStatus
from billing_desk.paystack.pushes import PushStatus

PACKAGE = Path(audit.__file__).parent
# Actions built as f"prefix.{status}": the statuses each prefix is given.
BUILT_ACTIONS = {
    "payment_request.": tuple(RequestStatus),
    "terminal_push.": tuple(PushStatus),
    "refund.": tuple(STATUS_RANK),
    "account.": (*sorted(MONEY_IN), *sorted(MONEY_OUT)),
}
# Wrappers that pass their first argument on to `audit.record` as the action.
RECORDING_CALLS = {"record", "_audit"}


def _strings(node):
    """The action strings an argument can be: a literal, either branch of `a if x else b`, or an f-string's prefix."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
        return [node.values[0].value + "*"]
    return []


def recorded_actions():
    found = set()
    for path in PACKAGE.rglob("*.py"):
        if "sandbox" in path.parts:  # the local Paystack keeps no audit trail
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            is_audit = name == "_audit" or (name == "record" and isinstance(func, ast.Attribute)
                                            and getattr(func.value, "id", None) == "audit")
            if is_audit:
                found.update(_strings(node.args[0]))
    return found


ACTIONS = recorded_actions()


def test_the_actions_are_found():
    assert {"invoice.issued", "shift.closed", "receipt.printed", "staff.deactivated", "payment_request.*"} <= ACTIONS


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_recorded_action_has_a_label(action):
    if action.endswith("*"):
        prefix = action[:-1]
        assert prefix in BUILT_ACTIONS, f"{prefix}{{…}} is recorded: list its statuses in BUILT_ACTIONS"
        missing = [prefix + status for status in BUILT_ACTIONS[prefix] if prefix + status not in audit.ACTION_LABELS]
        assert not missing, missing
    else:
        assert action in audit.ACTION_LABELS, action


@pytest.mark.parametrize("action", ["payment_request.archived", "terminal_push.paid", "terminal_push.cancelled",
                                    "receipt.printed"])
def test_actions_the_qa_saw_read_in_words(action):
    assert audit.ACTION_LABELS[action][0].isupper()
