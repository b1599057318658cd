"""Four-eyes: each guarded action is allowed with a supervisor's sign-off or queue approval, refused otherwise."""
import pytest
from sqlalchemy import select

from billing_desk.accounts import ledger
from billing_desk.approvals import policy, service
from billing_desk.extensions import db
from billing_desk.models import AccountEntry, ApprovalRequest, AuditEntry, Invoice, Refund, SignInPause
from tests.accounts.helpers import refund_from_account, take_deposit
from tests.conftest import sign_in
from tests.factories import make_issued_invoice, make_patient, make_staff
from tests.payments.helpers import pay_at_desk, payments_of

PASSWORD = "correct horse battery"


def sue(prefix=""):
    return {f"{prefix}supervisor_email": "sue@example.org", f"{prefix}supervisor_password": PASSWORD}


@pytest.fixture
def patient_with_deposit(cashier_client):
    patient = make_patient()
    take_deposit(cashier_client, patient, "50000")
    return patient


def _requests():
    return db.session.scalars(select(ApprovalRequest).order_by(ApprovalRequest.id)).all()


def _audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_the_policy_follows_the_thresholds():
    thresholds = policy.Thresholds(refund_minor=100_000, deposit_refund_minor=0, void_issued=True)
    assert not policy.needs_approval(policy.REFUND_PAYMENT, thresholds, amount_minor=99_999)
    assert policy.needs_approval(policy.REFUND_PAYMENT, thresholds, amount_minor=100_000)
    assert policy.needs_approval(policy.REFUND_DEPOSIT, thresholds, amount_minor=1)
    assert policy.needs_approval(policy.VOID, thresholds) and not policy.needs_approval(policy.VOID, thresholds,
                                                                                       issued=False)
    assert not policy.needs_approval(policy.VOID, policy.Thresholds(void_issued=False))


def test_a_deposit_refund_signed_at_the_desk_is_done_and_audited_with_both_names(
        cashier_client, supervisor, patient_with_deposit):
    response = refund_from_account(cashier_client, patient_with_deposit, "20000", **sue())

    assert response.status_code == 303
    [request] = _requests()
    refund = db.session.scalars(select(AccountEntry).where(AccountEntry.kind == "refund")).one()
    assert (request.status, request.decided_via, request.decided_by_id, refund.approval_id) == (
        "approved", "desk", supervisor.id, request.id)
    [approved] = _audit("approval.approved")
    assert "Cathy Cashier" in approved.note and "Sue Supervisor" in approved.note
    assert ledger.balance_minor(patient_with_deposit.id, "NGN") == 3_000_000


@pytest.mark.parametrize("who, message", [
    ("self", "You cannot sign off your own request"),
    ("cashier", "is not a supervisor"),
    ("wrong", "Email or password is not right"),
    ("blank_password", "signs here with their own email and password"),
    ("inactive", "has been deactivated"),
])
def test_a_desk_sign_off_by_anyone_but_another_active_supervisor_is_refused(
        app, supervisor, supervisor_client, patient_with_deposit, who, message):
    make_staff(role="cashier", email="carl@example.org")
    make_staff(role="supervisor", email="gone@example.org", active=False)
    email = {"self": "sue@example.org", "cashier": "carl@example.org", "wrong": "sue@example.org",
             "blank_password": "sue@example.org", "inactive": "gone@example.org"}[who]
    password = {"wrong": "not the password", "blank_password": ""}.get(who, PASSWORD)

    response = refund_from_account(supervisor_client, patient_with_deposit, "100", **({
        "supervisor_email": email, "supervisor_password": password}))

    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _requests() == [] and ledger.balance_minor(patient_with_deposit.id, "NGN") == 5_000_000


def test_a_wrong_supervisor_password_counts_toward_the_lock(cashier_client, supervisor, patient_with_deposit):
    refund_from_account(cashier_client, patient_with_deposit, "100", **({
        "supervisor_email": "sue@example.org", "supervisor_password": "guess"}))

    assert db.session.scalars(select(SignInPause.failures).where(SignInPause.staff_id == supervisor.id)).all() == [1]


def test_a_queued_deposit_refund_waits_then_a_supervisor_approves_it_once(
        app, cashier_client, supervisor_client, supervisor, patient_with_deposit):
    queued = refund_from_account(cashier_client, patient_with_deposit, "50000")
    [request] = _requests()
    assert queued.status_code == 303 and request.status == "pending"
    assert ledger.balance_minor(patient_with_deposit.id, "NGN") == 5_000_000
    assert "Approve request" not in cashier_client.get("/approvals/").get_data(as_text=True)
    assert cashier_client.post_form(f"/approvals/{request.id}/approve").status_code == 403

    approved = supervisor_client.post_form(f"/approvals/{request.id}/approve")
    twice = supervisor_client.post_form(f"/approvals/{request.id}/approve", follow_redirects=True)

    assert approved.status_code == 303
    assert "already approved by Sue Supervisor" in twice.get_data(as_text=True)
    assert ledger.balance_minor(patient_with_deposit.id, "NGN") == 0
    assert len(db.session.scalars(select(AccountEntry).where(AccountEntry.kind == "refund")).all()) == 1
    page = cashier_client.get("/approvals/").get_data(as_text=True)
    assert "Approved" in page and "Sue Supervisor" in page and "From this queue" in page


def test_nobody_approves_their_own_request_from_the_queue(supervisor, supervisor_client, patient_with_deposit):
    refund_from_account(supervisor_client, patient_with_deposit, "100")
    [request] = _requests()

    response = supervisor_client.post_form(f"/approvals/{request.id}/approve", follow_redirects=True)

    assert "You asked for this yourself" in response.get_data(as_text=True)
    assert db.session.get(ApprovalRequest, request.id, populate_existing=True).status == "pending"


def test_a_supervisor_deactivated_after_the_request_cannot_approve_it(
        app, cashier, supervisor, patient_with_deposit):
    request = service.request_approval(policy.REFUND_DEPOSIT, {
        "patient_id": patient_with_deposit.id, "amount_minor": 100, "currency": "NGN", "channel": "cash",
        "reason": "r"}, requested_by_id=cashier.id, reason="r", amount_minor=100, currency="NGN")
    db.session.commit()
    signed_in = sign_in(app.test_client(), supervisor)
    supervisor.active = False
    supervisor.end_sessions()
    db.session.commit()

    with pytest.raises(policy.ApprovalRefused, match="deactivated"):
        service.approve(request.id, supervisor_id=supervisor.id)
    db.session.rollback()
    response = signed_in.post(f"/approvals/{request.id}/approve")
    assert response.status_code in (302, 400)  # signed out; never a 500
    assert db.session.get(ApprovalRequest, request.id, populate_existing=True).status == "pending"


def test_a_rejection_needs_a_reason_and_does_nothing(cashier_client, supervisor_client, patient_with_deposit):
    refund_from_account(cashier_client, patient_with_deposit, "100")
    [request] = _requests()

    blank = supervisor_client.post_form(f"/approvals/{request.id}/reject", {"note": " "})
    rejected = supervisor_client.post_form(f"/approvals/{request.id}/reject", {"note": "No receipt shown"})

    assert blank.status_code == 422 and "Say why the request is rejected." in blank.get_data(as_text=True)
    assert rejected.status_code == 303
    assert db.session.get(ApprovalRequest, request.id, populate_existing=True).status == "rejected"
    assert ledger.balance_minor(patient_with_deposit.id, "NGN") == 5_000_000
    [entry] = _audit("approval.rejected")
    assert "Cathy Cashier" in entry.note and "Sue Supervisor" in entry.note and "No receipt shown" in entry.note


def test_an_approval_that_can_no_longer_be_carried_out_says_why_and_stays_pending(
        cashier, cashier_client, supervisor_client, patient_with_deposit):
    refund_from_account(cashier_client, patient_with_deposit, "50000")
    [request] = _requests()
    ledger.take(patient_with_deposit.id, ledger.APPLIED, 100, "NGN", actor_id=cashier.id)
    db.session.commit()

    response = supervisor_client.post_form(f"/approvals/{request.id}/approve", follow_redirects=True)

    assert "Only ₦49,999.00 is left on the account" in response.get_data(as_text=True)
    assert db.session.get(ApprovalRequest, request.id, populate_existing=True).status == "pending"


def test_voiding_an_issued_invoice_needs_a_supervisor(cashier_client, supervisor, supervisor_client):
    invoice = make_issued_invoice()
    page = cashier_client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Supervisor approval" in page

    queued = cashier_client.post_form(f"/invoices/{invoice.id}/void", {"reason": "Wrong patient"})
    assert queued.status_code == 303
    assert db.session.get(Invoice, invoice.id, populate_existing=True).status == "issued"
    [request] = _requests()
    supervisor_client.post_form(f"/approvals/{request.id}/approve")
    assert db.session.get(Invoice, invoice.id, populate_existing=True).status == "void"

    other = make_issued_invoice()
    signed = cashier_client.post_form(f"/invoices/{other.id}/void", {"reason": "Duplicate", **sue()})
    assert signed.status_code == 303 and db.session.get(Invoice, other.id, populate_existing=True).status == "void"


def test_a_payment_refund_needs_a_second_supervisor_even_for_an_admin(admin, admin_client, cashier_client,
                                                                     supervisor, supervisor_client):
    invoice = make_issued_invoice()
    pay_at_desk(cashier_client, invoice, amount="5000")
    [payment] = payments_of(invoice)
    form = {"amount": "1000", "method": "cash", "reason": "Overcharged", "submission_key": "b" * 32}

    queued = admin_client.post_form(f"/payments/{payment.id}/refund", form)
    assert queued.status_code == 302 and db.session.scalars(select(Refund)).all() == []
    [request] = _requests()
    supervisor_client.post_form(f"/approvals/{request.id}/approve")
    [refund] = db.session.scalars(select(Refund)).all()
    assert (refund.amount_minor, refund.status, refund.created_by_id) == (100_000, "processed", admin.id)

    signed = admin_client.post_form(f"/payments/{payment.id}/refund", {**form, "submission_key": "c" * 32, **sue()})
    assert signed.status_code == 302 and len(db.session.scalars(select(Refund)).all()) == 2


def test_below_the_threshold_a_refund_needs_no_approval(app, admin_client, cashier_client):
    app.config["APPROVAL_REFUND_THRESHOLD_MINOR"] = 200_000
    invoice = make_issued_invoice()
    pay_at_desk(cashier_client, invoice, amount="5000")
    [payment] = payments_of(invoice)

    admin_client.post_form(f"/payments/{payment.id}/refund", {"amount": "1999.99", "method": "cash", "reason": "x"})

    assert _requests() == [] and len(db.session.scalars(select(Refund)).all()) == 1
