"""The issue's whole story at the desk: a new cashier takes a ₦50,000 deposit, spends part of it on two invoices,
emails the statement PDF, asks a supervisor to approve refunding the rest, and it all shows on the aging report
and in the audit log."""
from datetime import timedelta

from sqlalchemy import select

from billing_desk.accounts import ledger
from billing_desk.extensions import db
from billing_desk.models import (
    AccountEntry,
    ApprovalRequest,
    AuditEntry,
    Invoice,
    Staff,
)
from tests.accounts.helpers import pay_from_deposit, refund_from_account, take_deposit
from tests.conftest import sign_in
from tests.factories import (
    hospital_today,
    make_issued_invoice,
    make_patient,
    submit_form,
)
from tests.notifications.helpers import parts
from tests.notifications.support import pdf_text, smtp_server  # noqa: F401  (fixture)

PASSWORD = "a fresh password 42"


def test_deposit_spent_statement_emailed_rest_refunded_with_approval(
        app, admin, admin_client, supervisor, supervisor_client, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_SECURITY="none")
    assert submit_form(admin_client, "/admin/staff/new", {
        "full_name": "Nkem Newcomer", "email": "nkem@example.org", "role": "cashier", "password": PASSWORD,
        "confirm": PASSWORD, "submission_key": "1f8fad5b-d9cb-469f-a165-70867728950e"}).status_code == 303
    nkem = db.session.scalars(select(Staff).where(Staff.email == "nkem@example.org")).one()
    desk = sign_in(app.test_client(), nkem, password=PASSWORD)
    patient = make_patient(first_name="Ngozi", last_name="Okafor", mrn="H0042", email="ngozi@example.org")

    assert take_deposit(desk, patient, "50,000").status_code == 303
    lab = make_issued_invoice(patient=patient, lines=((1_500_000, 1),))
    ward = make_issued_invoice(patient=patient, lines=((4_000_000, 1),))
    ward.due_date = hospital_today() - timedelta(days=40)
    db.session.commit()
    assert pay_from_deposit(desk, lab, "15000").status_code == 303
    assert pay_from_deposit(desk, ward, "20000").status_code == 303
    assert ledger.balance_minor(patient.id, "NGN") == 1_500_000

    today = hospital_today()
    emailed = desk.post_form(f"/patients/{patient.id}/statement/email", {
        "first": str(today - timedelta(days=30)), "last": str(today), "currency": "NGN", "submission_key": "f" * 32})
    assert emailed.status_code == 303
    [statement_mail] = [m for m in smtp_server.messages if "statement" in m["Subject"]]
    _text, _html, [attachment] = parts(statement_mail)
    statement_text = pdf_text(attachment.get_content())
    assert "₦50,000.00" in statement_text and "Closing balance" in statement_text

    assert refund_from_account(desk, patient, "15000", reason="Discharged, deposit not needed").status_code == 303
    [request] = db.session.scalars(select(ApprovalRequest)).all()
    assert desk.post_form(f"/approvals/{request.id}/approve").status_code == 403
    assert supervisor_client.post_form(f"/approvals/{request.id}/approve").status_code == 303

    assert ledger.balance_minor(patient.id, "NGN") == 0
    refund = db.session.scalars(select(AccountEntry).where(AccountEntry.kind == "refund")).one()
    assert (refund.created_by_id, refund.approval.decided_by_id) == (nkem.id, supervisor.id)
    assert [db.session.get(Invoice, i.id, populate_existing=True).status for i in (lab, ward)] == [
        "paid", "partially_paid"]
    aging_page = admin_client.get("/reports/aging").get_data(as_text=True)
    assert "Ngozi Okafor" in aging_page and "₦20,000.00" in aging_page
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.patient_id == patient.id)
                                 .order_by(AuditEntry.id)).all()
    assert actions[:1] == ["account.deposit"] and "approval.requested" in actions and actions[-2:] == [
        "account.refund", "approval.approved"]
    approved = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "approval.approved")).one()
    assert "Nkem Newcomer" in approved.note and "Sue Supervisor" in approved.note
    log = admin_client.get(f"/admin/audit?patient={patient.mrn}").get_data(as_text=True)
    for words in ("Deposit taken", "Account money applied to an invoice", "Approval asked for",
                  "Approved by a supervisor", "Account money refunded"):
        assert words in log
