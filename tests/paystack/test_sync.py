"""Customers, payment requests, terminals and pushes against the sandbox over loopback HTTP: customers, payment requests, terminals, pushes."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Patient, PaymentRequest, Terminal, TerminalPush
from billing_desk.paystack import creation, customers, push_screen, pushes, sweep, terminal_pushes, terminals
from billing_desk.paystack.errors import PaystackRejected, PaystackTimeout, PaystackUnavailable
from billing_desk.timeutil import utcnow
from tests.factories import make_issued_invoice, make_patient
from tests.paystack.webhook_fixtures import (  # noqa: F401  (fixtures)
    TERMINAL_CODE,
    Sandbox,
    live_config,
    make_terminal,
    queue_prefix,
    sandbox_server,
)

pytestmark = pytest.mark.integration
OTHER_TERMINAL = "3911QX42"


@pytest.fixture
def app_config(app_config, live_config):
    return {**app_config, **live_config, "REDIS_URL": None, "PAYSTACK_RETRY_BACKOFF": 0.01,
            "PATIENT_EMAIL_DOMAIN": "patients.example.org", "TERMINAL_PUSH_TTL_SECONDS": 120}


@pytest.fixture
def sandbox(sandbox_server):
    return Sandbox(sandbox_server.base_url)


@pytest.fixture
def invoice(app):
    return make_issued_invoice(make_patient(email="Ada.Obi@Example.org"), lines=((750000, 1), (250000, 2)))


def requests_of(invoice):
    return db.session.scalars(
        select(PaymentRequest).where(PaymentRequest.invoice_id == invoice.id).order_by(PaymentRequest.id)
    ).all()


def at_paystack(sandbox, **archived):
    return [r for r in sandbox.state()["payment_requests"] if not archived or r["archived"] == archived["archived"]]


def age(payment_request, seconds=600):
    payment_request.created_at = utcnow() - timedelta(seconds=seconds)
    db.session.commit()


# ---- customers -------------------------------------------------------------------------------------------

def test_one_customer_per_patient(app, sandbox, invoice):
    patient = invoice.patient
    code = customers.ensure_customer(patient.id)
    db.session.commit()
    assert customers.ensure_customer(patient.id) == code
    listed = sandbox.state()["customers"]
    assert [(c["customer_code"], c["email"]) for c in listed] == [(code, "ada.obi@example.org")]
    patient = db.session.get(Patient, patient.id)
    assert (patient.paystack_customer_code, patient.paystack_customer_id) == (code, listed[0]["id"])
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.patient_id == patient.id)) \
        == "patient.paystack_customer"


@pytest.mark.parametrize(
    ("email", "expected"),
    [(None, "mrn-7/a@patients.example.org"), ("not an email", "mrn-7/a@patients.example.org")],
    ids=["no-email", "refused-email"],
)
def test_patients_without_a_usable_email_get_a_stable_generated_one(app, sandbox, email, expected):
    patient = make_patient(mrn="MRN 7/A", email=email)
    customers.ensure_customer(patient.id)
    assert [c["email"] for c in sandbox.state()["customers"]] == [expected.replace("/", "-").replace(" ", "-")]


def test_patients_sharing_an_email_get_separate_customers(app, sandbox):
    mother, child = make_patient(email="family@example.org"), make_patient(email="family@example.org")
    first, second = customers.ensure_customer(mother.id), customers.ensure_customer(child.id)
    db.session.commit()
    assert first != second
    assert sorted(c["email"] for c in sandbox.state()["customers"]) == [
        "family@example.org", f"{child.mrn.lower()}@patients.example.org"]


# ---- payment requests ------------------------------------------------------------------------------------

def test_payment_request_for_the_balance_is_made_once(app, sandbox, invoice):
    row = creation.ensure_payment_request(invoice.id)
    db.session.commit()
    assert creation.ensure_payment_request(invoice.id).id == row.id
    [made] = at_paystack(sandbox)
    assert (row.status, row.amount_minor, row.request_code, row.paystack_id, row.offline_reference) == (
        "pending", 1_250_000, made["request_code"], made["id"], made["offline_reference"])
    assert made["amount"] == 1_250_000 and made["notifications"] == []  # send_notification=false
    assert [(i["name"], i["amount"], i["quantity"]) for i in made["line_items"]] == [
        ("Item 1", 750000, 1), ("Item 2", 250000, 2)]
    assert invoice.number in made["description"] and f"desk ref PR-{row.id}" in made["description"]


def test_a_create_that_timed_out_is_found_at_paystack_not_made_twice(app, sandbox, invoice):
    sandbox.faults(timeout_after_create_next=1, timeout_sleep_s=1.5)
    app.config["PAYSTACK_READ_TIMEOUT"] = 0.4
    with pytest.raises(PaystackTimeout):
        creation.ensure_payment_request(invoice.id)
    db.session.rollback()
    [row] = requests_of(invoice)
    assert row.status == "creating" and row.request_code is None  # the trace committed before the call
    with pytest.raises(creation.RequestInProgress):  # the first attempt may still be waiting for its answer
        creation.ensure_payment_request(invoice.id)
    age(row)
    found = creation.ensure_payment_request(invoice.id)
    db.session.commit()
    [made] = at_paystack(sandbox)
    assert found.id == row.id and (found.status, found.request_code) == ("pending", made["request_code"])
    assert len(requests_of(invoice)) == 1


def test_a_create_that_never_happened_is_abandoned_and_made_again(app, sandbox, invoice):
    customers.ensure_customer(invoice.patient_id)
    db.session.commit()
    sandbox.faults(fail_next=1)  # a 500 to the create: the outcome is unknown to the desk
    with pytest.raises(PaystackUnavailable) as raised:
        creation.ensure_payment_request(invoice.id)
    assert raised.value.outcome_unknown
    db.session.rollback()
    [lost] = requests_of(invoice)
    age(lost)
    made = creation.ensure_payment_request(invoice.id)
    db.session.commit()
    assert [r.status for r in requests_of(invoice)] == ["abandoned", "pending"] and made.id != lost.id
    assert [r["request_code"] for r in at_paystack(sandbox)] == [made.request_code]


def test_a_refused_create_is_abandoned_at_once(app, sandbox, invoice):
    patient = invoice.patient
    patient.paystack_customer_code = "CUS_notatpaystack"
    db.session.commit()
    with pytest.raises(PaystackRejected, match="Customer with the provided id or code not found"):
        creation.ensure_payment_request(invoice.id)
    db.session.rollback()
    assert [r.status for r in requests_of(invoice)] == ["abandoned"]


def test_a_changed_balance_archives_the_old_request_and_makes_a_new_one(app, sandbox, invoice):
    old = creation.ensure_payment_request(invoice.id)
    db.session.commit()
    record_payment(invoice.id, PaymentDetails(amount_minor=250_000, currency="NGN", channel="cash",
                                              tendered_minor=250_000), actor_id=None)
    db.session.commit()
    new = creation.ensure_payment_request(invoice.id)
    db.session.commit()
    assert [(r.id, r.status, r.amount_minor) for r in requests_of(invoice)] == [
        (old.id, "archived", 1_250_000), (new.id, "pending", 1_000_000)]
    archived, = at_paystack(sandbox, archived=True)
    live, = at_paystack(sandbox, archived=False)
    assert (archived["request_code"], live["request_code"]) == (old.request_code, new.request_code)
    assert [(i["name"], i["amount"]) for i in live["line_items"]] == [(f"Balance due on invoice {invoice.number}",
                                                                        1_000_000)]


def test_paid_invoice_gets_no_request(app, sandbox, invoice):
    record_payment(invoice.id, PaymentDetails(amount_minor=1_250_000, currency="NGN", channel="transfer",
                                              reference="TRF-1"), actor_id=None)
    db.session.commit()
    with pytest.raises(creation.InvoiceNotPayable, match="nothing to collect"):
        creation.ensure_payment_request(invoice.id)
    assert at_paystack(sandbox) == []


# ---- terminals and pushes --------------------------------------------------------------------------------

def test_sync_terminals_adds_new_ones_and_keeps_names_given_here(app, sandbox):
    ours = make_terminal(TERMINAL_CODE, name="Front desk")
    ours.desk = "Outpatients"
    db.session.commit()
    result = terminals.sync_terminals(actor_id=None)
    db.session.commit()
    assert [t.terminal_id for t in result.added] == [OTHER_TERMINAL] and result.updated == [ours]
    rows = {t.terminal_id: t for t in db.session.scalars(select(Terminal))}
    assert (rows[TERMINAL_CODE].name, rows[TERMINAL_CODE].desk, rows[TERMINAL_CODE].status) == (
        "Front desk", "Outpatients", "active")
    assert rows[TERMINAL_CODE].paystack_id is not None and rows[OTHER_TERMINAL].name == "Desk 2"
    again = terminals.sync_terminals(actor_id=None)
    assert (again.added, again.updated, again.missing) == ([], [], [])


@pytest.mark.parametrize(
    ("state", "words"),
    [({"online": False}, "is offline"), ({"available": False}, "is busy")],
    ids=["offline", "busy"],
)
def test_an_offline_or_busy_terminal_refuses_the_push(app, sandbox, invoice, admin, state, words):
    terminal = make_terminal()
    sandbox.control(f"/terminals/{TERMINAL_CODE}/state", state)
    assert terminals.terminal_presence(terminal.id)["available"] is False
    with pytest.raises(terminal_pushes.TerminalUnavailable, match=words):
        terminal_pushes.push_to_terminal(invoice.id, terminal.id, admin.id)
    db.session.rollback()
    assert db.session.scalars(select(TerminalPush)).all() == [] and sandbox.state()["events"] == []


def test_a_terminal_busy_with_this_invoice_takes_a_fresh_request_for_it(app, sandbox, invoice, admin):
    terminal = make_terminal()
    first = terminal_pushes.push_to_terminal(invoice.id, terminal.id, admin.id)
    pushes.set_status(first, pushes.P.EXPIRED)  # expired here; the terminal still shows it
    db.session.commit()
    assert terminals.terminal_presence(terminal.id)["available"] is False
    again = terminal_pushes.push_to_terminal(invoice.id, terminal.id, admin.id)
    assert again.payment_request_id != first.payment_request_id and again.status == "sent"
    assert db.session.get(PaymentRequest, first.payment_request_id).status == "archived"  # a late tap cannot pay it
    other = make_issued_invoice(lines=((5000, 1),))
    with pytest.raises(terminal_pushes.TerminalUnavailable, match="is busy"):  # busy with another invoice's request
        terminal_pushes.push_to_terminal(other.id, terminal.id, admin.id)


def test_push_sends_the_request_and_a_re_push_reuses_it(app, sandbox, invoice, admin):
    first_terminal, second_terminal = make_terminal(), make_terminal(OTHER_TERMINAL, name="Desk 2")
    first = terminal_pushes.push_to_terminal(invoice.id, first_terminal.id, admin.id)
    db.session.commit()
    second = terminal_pushes.push_to_terminal(invoice.id, second_terminal.id, admin.id)
    db.session.commit()
    [payment_request] = requests_of(invoice)
    events = sandbox.state()["events"]
    assert [e["data"] for e in events] == [
        {"id": payment_request.paystack_id, "reference": payment_request.offline_reference}] * 2
    assert (first.payment_request_id, second.payment_request_id) == (payment_request.id, payment_request.id)
    assert (first.status, second.status, second.event_id) == ("replaced", "sent", events[1]["id"])
    assert second.staff_id == admin.id and second.expires_at - second.created_at == timedelta(seconds=120)
    assert len(at_paystack(sandbox)) == 1


def test_push_status_follows_the_push(app, sandbox, invoice, admin):
    push = terminal_pushes.push_to_terminal(invoice.id, make_terminal().id, admin.id)
    db.session.commit()
    shown = push_screen.push_status(push.id)
    assert shown == {"status": "delivered", "invoice_status": "issued", "balance_due_minor": 1_250_000,
                     "currency": "NGN", "message": shown["message"]}
    assert "Desk 1 is showing ₦12,500.00" in shown["message"]
    db.session.expire_all()
    assert (push.status, push.delivered_at) == ("sent", None)  # reported, not stored: the screen is a GET
    sandbox.approve()
    sweep.verify_request(push.payment_request_id)  # what the webhooks (or the sweep) do
    shown = push_screen.push_status(push.id)
    assert (shown["status"], shown["invoice_status"], shown["balance_due_minor"]) == ("paid", "paid", 0)
    assert shown["message"].startswith("Paid.")


def test_an_unanswered_push_is_shown_expired_after_its_ttl_and_the_sweep_stores_it(app, sandbox, invoice, admin):
    push = terminal_pushes.push_to_terminal(invoice.id, make_terminal().id, admin.id)
    push.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    def last_push_audit():
        return db.session.scalar(select(AuditEntry.action).where(AuditEntry.entity_type == "terminal_pushes")
                                 .order_by(AuditEntry.id.desc()))

    shown = push_screen.push_status(push.id)
    assert shown["status"] == "expired" and "Send it again" in shown["message"]
    assert not db.session.dirty and not db.session.new
    assert (db.session.get(TerminalPush, push.id).status, last_push_audit()) == ("sent", "terminal_push.sent")

    assert sweep.run().expired == 1
    assert (db.session.get(TerminalPush, push.id).status, last_push_audit()) == ("expired", "terminal_push.expired")
    assert push_screen.push_status(push.id)["status"] == "expired"


def test_push_status_says_waiting_while_the_terminal_has_not_got_it(app, sandbox, invoice, admin):
    terminal = make_terminal()
    push = terminal_pushes.push_to_terminal(invoice.id, terminal.id, admin.id)
    db.session.commit()
    sandbox.faults(fail_next=3)  # Paystack cannot be asked: the screen keeps waiting, and says why
    shown = push_screen.push_status(push.id)
    assert shown["status"] == "waiting" and "could not be asked" in shown["message"]


def test_a_timed_out_request_paid_meanwhile_is_booked_not_offered_again(app, sandbox, sandbox_server, invoice):
    """The create timed out, yet the request was made and paid at a terminal: the next attempt books it."""
    import requests

    from billing_desk.models import Invoice, Payment
    from tests.paystack.webhook_fixtures import SECRET

    sandbox.faults(timeout_after_create_next=1, timeout_sleep_s=1.5)
    app.config["PAYSTACK_READ_TIMEOUT"] = 0.4
    with pytest.raises(PaystackTimeout):
        creation.ensure_payment_request(invoice.id)
    db.session.rollback()
    [made] = at_paystack(sandbox)
    requests.post(f"{sandbox_server.base_url}/terminal/{TERMINAL_CODE}/event", timeout=5,
                  headers={"Authorization": f"Bearer {SECRET}"},
                  json={"type": "invoice", "action": "process",
                        "data": {"id": made["id"], "reference": made["offline_reference"]}}).raise_for_status()
    sandbox.approve()
    [row] = requests_of(invoice)
    age(row)
    with pytest.raises(creation.InvoiceNotPayable):
        creation.ensure_payment_request(invoice.id)
    db.session.expire_all()
    assert (db.session.get(PaymentRequest, row.id).status, db.session.get(Invoice, invoice.id).status) == (
        "success", "paid")
    assert db.session.scalars(select(Payment.amount_minor)).all() == [1_250_000]
    assert len(at_paystack(sandbox)) == 1
