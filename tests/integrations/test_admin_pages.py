"""Admin → Integrations: keys shown once and revoked, each key's calls, webhooks, deliveries and replay."""
import re

from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import ApiKey, AuditEntry, WebhookDelivery, WebhookSubscription
from tests.api.conftest import Api
from tests.factories import make_draft_invoice


def test_cashiers_cannot_reach_the_pages(cashier_client):
    assert cashier_client.get("/admin/integrations/").status_code == 403
    assert cashier_client.post_form("/admin/integrations/keys", {"key-name": "X", "key-scopes": "read"}).status_code == 403


def test_a_new_key_is_shown_once_works_and_can_be_revoked(app, admin_client, admin):
    page = admin_client.post_form("/admin/integrations/keys", {"key-name": "Laboratory", "key-scopes": ["read", "write"],
                                                                "key-expires_on": "2999-01-01"})
    assert page.status_code == 201
    secret = re.search(r'<code class="secret">(bdk_[^<]+)</code>', page.get_data(as_text=True)).group(1)
    key = db.session.scalar(select(ApiKey))
    assert (key.name, key.scope_list, key.created_by_id) == ("Laboratory", ["read", "write"], admin.id)
    assert secret not in admin_client.get("/admin/integrations/").get_data(as_text=True)

    api = Api(app.test_client(), secret)
    assert api.get("/patients").status_code == 200
    calls = admin_client.get(f"/admin/integrations/keys/{key.id}").get_data(as_text=True)
    assert "GET /api/v1/patients" in calls

    assert admin_client.post_form(f"/admin/integrations/keys/{key.id}/revoke").status_code == 302
    assert api.get("/patients").status_code == 401
    assert [a for a in db.session.scalars(select(AuditEntry.action))] == ["api_key.created", "api_key.revoked"]
    assert "Revoked" in admin_client.get("/admin/integrations/").get_data(as_text=True)


def test_bad_key_forms_are_422(admin_client):
    assert admin_client.post_form("/admin/integrations/keys", {"key-name": "", "key-scopes": "read"}).status_code == 422
    assert admin_client.post_form("/admin/integrations/keys", {"key-name": "Lab"}).status_code == 422
    assert admin_client.post_form("/admin/integrations/keys", {"key-name": "Lab", "key-scopes": "admin"}).status_code == 422
    assert admin_client.post_form("/admin/integrations/keys", {"key-name": "Lab", "key-scopes": "read",
                                                               "key-expires_on": "2000-01-01"}).status_code == 422
    assert db.session.scalar(select(ApiKey)) is None


def test_webhooks_deliveries_and_replay(app, admin_client):
    page = admin_client.post_form("/admin/integrations/webhooks", {
        "hook-name": "EMR", "hook-url": "http://127.0.0.1:9/hooks", "hook-events": ["invoice.issued", "invoice.paid"]})
    assert page.status_code == 201
    subscription = db.session.scalar(select(WebhookSubscription))
    assert subscription.secret in page.get_data(as_text=True) and subscription.event_list == ["invoice.issued",
                                                                                              "invoice.paid"]
    assert admin_client.post_form("/admin/integrations/webhooks", {
        "hook-name": "EMR", "hook-url": "ftp://x", "hook-events": ["invoice.paid"]}).status_code == 422

    draft = make_draft_invoice()
    admin_client.post_form(f"/invoices/{draft.id}/issue")  # the desk's own page
    [delivery] = db.session.scalars(select(WebhookDelivery)).all()
    listing = admin_client.get("/admin/integrations/deliveries?status=failed").get_data(as_text=True)
    assert "invoice.issued" in listing and "No answer" in listing
    assert admin_client.post_form(f"/admin/integrations/deliveries/{delivery.id}/replay").status_code == 302
    assert db.session.query(WebhookDelivery).count() == 2
    assert admin_client.post_form(f"/admin/integrations/webhooks/{subscription.id}/active").status_code == 302
    db.session.expire_all()
    assert db.session.get(WebhookSubscription, subscription.id).active is False
    assert admin_client.post_form("/admin/integrations/deliveries/999/replay").status_code == 404


def test_the_admin_index_links_integrations(admin_client):
    assert "/admin/integrations/" in admin_client.get("/admin/").get_data(as_text=True)


def test_the_page_with_both_forms_keeps_its_ids_unique(admin_client):
    from tests.test_ui import duplicate_ids

    html = admin_client.get("/admin/integrations/").get_data(as_text=True)
    assert html.count("<form") >= 2 and duplicate_ids(html) == []
