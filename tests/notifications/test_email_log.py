"""The administrators' Email log: access, filters, resend; and the mail catcher inbox."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import AuditEntry
from billing_desk.notifications import outbox
from tests.factories import hospital_today, make_issued_invoice, make_patient
from tests.notifications.helpers import (
    emailable_invoice,
    post_signed_in,
    send_invoice_email,
)


@pytest.mark.parametrize(
    "method, url", [("get", "/admin/emails"), ("post", "/admin/emails/1/resend"), ("get", "/admin/mail-catcher")]
)
def test_cashiers_get_403(cashier_client, method, url):
    if method == "get":
        response = cashier_client.get(url)
    else:
        response = post_signed_in(cashier_client, url)
    assert response.status_code == 403


@pytest.fixture
def log_rows(app, smtp_server):
    sent = send_invoice_email(emailable_invoice(email="sent.patient@example.org"))
    skipped = send_invoice_email(make_issued_invoice(patient=make_patient(email=None)))
    return sent, skipped


@pytest.mark.parametrize(
    "query, shown, hidden",
    [
        ("", ["sent.patient@example.org", "No email on file"], []),
        ("?status=sent", ["sent.patient@example.org"], ["No email on file"]),
        ("?status=skipped", ["No email on file"], ["sent.patient@example.org"]),
        ("?kind=receipt", ["No emails match."], ["sent.patient@example.org"]),
        ("?q=SENT.pat", ["sent.patient@example.org"], ["No email on file"]),
        (f"?created_from={hospital_today().isoformat()}", ["sent.patient@example.org"], []),
        (f"?created_to={(hospital_today() - timedelta(days=1)).isoformat()}", ["No emails match."], ["sent.patient@example.org"]),
    ],
)
def test_email_log_filters(admin_client, log_rows, query, shown, hidden):
    page = admin_client.get("/admin/emails" + query)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for snippet in shown:
        assert snippet in text
    for snippet in hidden:
        assert snippet not in text


@pytest.mark.parametrize(
    "query, error",
    [
        ("?created_from=31-12-2025", "Enter the date as YYYY-MM-DD, e.g. 2026-01-31."),
        ("?created_to=yesterday", "Enter the date as YYYY-MM-DD, e.g. 2026-01-31."),
        ("?created_from=2026-02-10&created_to=2026-02-01", "The end date is before the start date."),
        ("?status=exploded", "Pick a status from the list."),
    ],
)
def test_email_log_bad_filters_are_field_errors(admin_client, query, error):
    page = admin_client.get("/admin/emails" + query)
    assert page.status_code == 422
    assert error in page.get_data(as_text=True)


def test_email_log_shows_the_error_and_resend_only_where_allowed(admin_client, log_rows):
    text = admin_client.get("/admin/emails").get_data(as_text=True)
    sent, skipped = log_rows
    assert f"/admin/emails/{skipped.id}/resend" in text
    assert f"/admin/emails/{sent.id}/resend" not in text
    assert "Development mail catcher: messages are saved in" in text


def test_resend_a_skipped_email_once_the_patient_has_an_address(admin_client, admin, log_rows, smtp_server):
    _, skipped = log_rows
    refused = post_signed_in(admin_client, f"/admin/emails/{skipped.id}/resend?status=skipped", follow_redirects=True)
    assert "Not resent: no email on file" in refused.get_data(as_text=True)

    skipped.invoice.patient.email = "found.later@example.org"
    db.session.commit()
    response = post_signed_in(admin_client, f"/admin/emails/{skipped.id}/resend?status=skipped")

    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/emails?status=skipped")
    db.session.refresh(skipped)
    assert skipped.status == "sent" and skipped.recipient == "found.later@example.org"
    assert smtp_server.messages[-1]["To"].addresses[0].addr_spec == "found.later@example.org"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "email.resent")).one()
    assert entry.actor_id == admin.id and entry.invoice_id == skipped.invoice_id
    assert entry.before["status"] == "skipped" and entry.after["recipient"] == "found.later@example.org"


def test_a_sent_email_is_not_resent(admin_client, log_rows, smtp_server):
    sent, _ = log_rows
    response = post_signed_in(admin_client, f"/admin/emails/{sent.id}/resend", follow_redirects=True)
    assert "only failed or skipped emails can be resent" in response.get_data(as_text=True)
    assert len(smtp_server.messages) == 1


def test_resend_unknown_email_is_404(admin_client):
    assert post_signed_in(admin_client, "/admin/emails/424242/resend").status_code == 404


def test_a_retrying_email_is_not_resent(app, smtp_server):
    smtp_server.stop()
    row = send_invoice_email(emailable_invoice())
    with pytest.raises(outbox.EmailRefused):
        outbox.resend(row.id, actor_id=None)


def test_mail_catcher_inbox_lists_and_downloads(app_config, tmp_path, request):
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "20260101T000000.000000Z-abcd.eml").write_bytes(
        b"Subject: [TEST] Invoice INV-1\r\nTo: ada@example.org\r\n\r\nHello\r\n")
    app_config["MAIL_CATCHER_DIR"] = str(folder)
    client = request.getfixturevalue("admin_client")

    page = client.get("/admin/mail-catcher").get_data(as_text=True)
    with client.get("/admin/mail-catcher/20260101T000000.000000Z-abcd.eml") as download:
        assert download.status_code == 200 and download.mimetype == "message/rfc822" and b"Hello" in download.data

    assert "[TEST] Invoice INV-1" in page and "ada@example.org" in page and str(folder) in page
    assert client.get("/admin/mail-catcher/..%2Fsecret.eml").status_code == 404
    assert client.get("/admin/mail-catcher/missing.eml").status_code == 404


def _caught_email():
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"] = "[TEST] Receipt for INV-2026-000007"
    message["From"] = "Billing Desk <billing@example.org>"
    message["To"] = "ada@example.org"
    message.set_content("Hello Ada,\nView your invoice: https://desk.test/i/abc123\n")
    message.add_alternative('<p>Hello <b>Ada</b></p><script>alert("x")</script>'
                            '<a href="https://desk.test/i/abc123">View</a>', subtype="html")
    message.add_attachment(b"%PDF-1.7 receipt", maintype="application", subtype="pdf", filename="receipt-7.pdf")
    return message.as_bytes()


@pytest.fixture
def catcher_client(app_config, tmp_path, request):
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "20260101T000000.000000Z-abcd.eml").write_bytes(_caught_email())
    app_config["MAIL_CATCHER_DIR"] = str(folder)
    return request.getfixturevalue("admin_client")


def test_a_caught_email_can_be_read_with_its_links_and_attachments(catcher_client):
    inbox = catcher_client.get("/admin/mail-catcher").get_data(as_text=True)
    assert 'href="/admin/mail-catcher/20260101T000000.000000Z-abcd.eml/read"' in inbox
    response = catcher_client.get("/admin/mail-catcher/20260101T000000.000000Z-abcd.eml/read")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>[TEST] Receipt for INV-2026-000007</h1>" in page
    assert "<dt>From</dt><dd>Billing Desk &lt;billing@example.org&gt;</dd>" in page
    assert "View your invoice: https://desk.test/i/abc123" in page  # the plain text as sent
    assert '<a href="https://desk.test/i/abc123" target="_blank" rel="noopener noreferrer">' in page
    frame = re.search(r"<iframe[^>]*>", page).group(0)
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in frame and "allow-scripts" not in frame
    assert "&lt;b&gt;Ada&lt;/b&gt;" in frame and "<script>" not in page  # the HTML only as the frame's text
    link = re.search(r'href="([^"]+/attachments/1)">Download receipt-7.pdf</a>', page).group(1)
    download = catcher_client.get(link)
    assert download.status_code == 200 and download.data == b"%PDF-1.7 receipt"
    assert download.headers["Content-Disposition"].startswith("attachment;") and "receipt-7.pdf" in \
        download.headers["Content-Disposition"]


@pytest.mark.parametrize("url", [
    "/admin/mail-catcher/missing.eml/read",
    "/admin/mail-catcher/..%2Fsecret.eml/read",
    "/admin/mail-catcher/20260101T000000.000000Z-abcd.eml/attachments/2",
    "/admin/mail-catcher/missing.eml/attachments/1",
])
def test_unknown_caught_emails_and_attachments_are_404(catcher_client, url):
    assert catcher_client.get(url).status_code == 404


def test_cashiers_cannot_read_caught_emails(cashier_client):
    assert cashier_client.get("/admin/mail-catcher/20260101T000000.000000Z-abcd.eml/read").status_code == 403
