"""A hypothesis state machine over invoice lives, against the sandbox over HTTP and a real RQ worker on Redis.

Used by `tests/paystack/test_invoice_lives.py` (few examples) and `bench/state_machine.py` (many). Each run
works on one fresh invoice, so runs need no database reset. After every step the invariants hold:
paid = Σ payments − Σ processed refunds; at most one payable request, for exactly the balance; the status
agrees with the money; every Paystack success is a payment or a review; audit rows name the actor.
"""
import json

import requests
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select

from billing_desk import audit
from billing_desk.billing import refunds as refund_service
from billing_desk.billing import invoices, states
from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.jobs.after_commit import commit
from billing_desk.models import (
    AuditEntry,
    Invoice,
    Payment,
    PaymentRequest,
    PaymentReview,
    Refund,
    TerminalPush,
    WebhookEvent,
)
from billing_desk.paystack import events, sweep, tasks, terminal_pushes
from billing_desk.paystack.creation import ensure_payment_request
from billing_desk.public.links import pay_url
from billing_desk.terminals.service import stop_waiting
from billing_desk.timeutil import utcnow
from tests.factories import make_issued_invoice, make_patient
from tests.paystack.webhook_fixtures import TERMINAL_CODE, run_worker

TOTAL = 1_200_000


class InvoiceLives(RuleBasedStateMachine):
    """Set `context` (live sandbox control, cashier, terminal) on the class before running."""

    context = None

    @initialize()
    def issue(self):
        self.sandbox, self.cashier, self.terminal = self.context
        self.invoice_id = make_issued_invoice(make_patient(email="lives@example.org"), lines=((TOTAL, 1),)).id
        self.old_pages = []

    @property
    def invoice(self):
        return db.session.get(Invoice, self.invoice_id, populate_existing=True)

    def settle(self):
        """Let webhooks arrive and every queued job run, as the workers would."""
        self.sandbox.wait()
        run_worker()
        run_worker()

    @precondition(lambda self: self.invoice.balance_due_minor > 0)
    @rule(part=st.integers(1, 4), channel=st.sampled_from(["cash", "transfer"]))
    def desk_payment(self, part, channel):
        amount = max(self.invoice.balance_due_minor * part // 4, 1)
        record_payment(self.invoice_id, PaymentDetails(amount, "NGN", channel, received_by_id=self.cashier),
                       actor_id=self.cashier)
        commit()
        self.settle()

    @precondition(lambda self: states.is_payable(self.invoice))
    @rule()
    def open_pay_link(self):
        """The patient presses Pay on the signed link and leaves the pay page open (maybe for later)."""
        self.old_pages.append(pay_url(ensure_payment_request(self.invoice_id).request_code))
        self.settle()

    @precondition(lambda self: self.old_pages)
    @rule(newest=st.booleans())
    def pay_on_an_open_page(self, newest):
        """Pay on a page opened earlier: current, or stale since the balance changed (refused or booked)."""
        page = self.old_pages.pop(-1 if newest else 0)
        requests.post(page, timeout=10)
        self.settle()

    @precondition(lambda self: states.is_payable(self.invoice))
    @rule(tap=st.sampled_from(["approve", "late_tap", "declined"]))
    def terminal(self, tap):
        """Charge on the terminal: approved; timed out here first, then tapped late; declined (the cashier stops
        waiting), then tapped anyway. A late tap must find nothing left to charge."""
        push = terminal_pushes.push_to_terminal(self.invoice_id, self.terminal, self.cashier)
        db.session.commit()
        if tap == "late_tap":
            db.session.execute(db.update(TerminalPush).values(expires_at=utcnow()))
            db.session.commit()
            sweep.expire_pushes(sweep.SweepReport())
        elif tap == "declined":
            requests.post(f"{self.sandbox.base_url}/_sandbox/terminals/{TERMINAL_CODE}/decline", json={}, timeout=10)
            stop_waiting(push.id, self.cashier)
            commit()
        run_worker()
        # A refused tap (nothing live on the terminal any more) is a 4xx from the sandbox: that is the point.
        requests.post(f"{self.sandbox.base_url}/_sandbox/terminals/{TERMINAL_CODE}/approve", json={}, timeout=10)
        self.settle()

    @precondition(lambda self: db.session.scalar(select(func.count(Payment.id)).where(
        Payment.invoice_id == self.invoice_id, Payment.paystack_reference.is_not(None))) > 0)
    @rule(whole=st.booleans())
    def card_refund(self, whole):
        payment = db.session.scalars(select(Payment).where(
            Payment.invoice_id == self.invoice_id, Payment.paystack_reference.is_not(None))).first()
        left = refund_service.refundable_minor(payment)
        invoice = self.invoice
        if left <= 0 or invoice.status not in refund_service.REFUNDABLE_INVOICE_STATUSES:
            return
        refund = refund_service.create_refund(payment.id, left if whole else max(left // 2, 1),
                                              channel=refund_service.CARD, reason="test", actor_id=self.cashier)
        commit()
        tasks.submit_refund(refund.id)
        self.settle()

    @precondition(lambda self: invoices.can_void(self.invoice))
    @rule()
    def void(self):
        invoices.void_invoice(self.invoice_id, reason="Registered twice", actor_id=self.cashier)
        commit()
        self.settle()

    @rule()
    def replay_webhooks(self):
        """Duplicate, late and reordered webhooks: every stored event applied again, newest first."""
        for event in db.session.scalars(select(WebhookEvent).order_by(WebhookEvent.id.desc())).all():
            body = json.loads(event.body)
            events.apply_event(body["event"], body["data"], event.id)
            commit()
        self.settle()

    # ---- invariants ------------------------------------------------------------------------------------

    @invariant()
    def paid_is_payments_less_processed_refunds(self):
        invoice = self.invoice
        paid = db.session.scalar(select(func.coalesce(func.sum(Payment.amount_minor), 0))
                                 .where(Payment.invoice_id == self.invoice_id))
        refunded = db.session.scalar(select(func.coalesce(func.sum(Refund.amount_minor), 0)).where(
            Refund.invoice_id == self.invoice_id, Refund.status == refund_service.PROCESSED))
        assert invoice.amount_paid_minor == paid - refunded
        if invoice.status != states.S.VOID:
            assert invoice.status == states.status_for_amounts(invoice)

    @invariant()
    def at_most_one_payable_request_for_the_balance(self):
        invoice = self.invoice
        live = db.session.scalars(select(PaymentRequest).where(
            PaymentRequest.invoice_id == self.invoice_id, PaymentRequest.status == "pending")).all()
        assert len(live) <= 1
        if live:
            assert states.is_payable(invoice) and live[0].amount_minor == invoice.balance_due_minor
        at_paystack = [r for r in self.sandbox.state()["payment_requests"]
                       if r["status"] == "pending" and not r["archived"]]
        assert len(at_paystack) <= 1

    @invariant()
    def every_success_is_a_payment_or_a_review(self):
        ours = set(db.session.scalars(select(Payment.paystack_reference).where(Payment.paystack_reference.is_not(None))))
        ours |= set(db.session.scalars(select(PaymentReview.paystack_reference)))
        for transaction in self.sandbox.state()["transactions"]:
            if transaction["status"] == "success":
                assert transaction["reference"] in ours, transaction["reference"]

    @invariant()
    def audit_rows_name_the_actor(self):
        for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "payment.recorded",
                                                                AuditEntry.invoice_id == self.invoice_id)):
            desk = entry.after["channel"] in ("cash", "transfer")
            assert entry.actor_id == (self.cashier if desk else audit.SYSTEM)
