"""The admin index: links to the admin pages that are installed, and the inline-jobs notice."""
import pytest

from billing_desk.admin.routes import ADMIN_PAGES
from tests.routes import example_url

INLINE_NOTICE = "Background jobs run inline in the web process (REDIS_URL is not set)"


def test_index_links_every_installed_admin_page(app, admin_client):
    page = admin_client.get("/admin/").get_data(as_text=True)
    installed = [endpoint for endpoint, _title, _purpose in ADMIN_PAGES if endpoint in app.view_functions]
    assert {"admin.staff_list", "admin.audit_log"} <= set(installed)
    with app.test_request_context():
        for endpoint in installed:
            assert f'href="{app.url_for(endpoint)}"' in page, endpoint


def test_pages_not_installed_are_not_linked(app, admin_client):
    app.view_functions.pop("admin.audit_log")
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "Audit log</a>" not in page and "Staff</a>" in page


def test_inline_jobs_notice_shows_while_redis_is_not_set(admin_client):
    assert INLINE_NOTICE in admin_client.get("/admin/").get_data(as_text=True)


def test_no_inline_jobs_notice_with_redis(app, admin_client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:6399/0"  # never connected to: the page only reads the setting
    assert INLINE_NOTICE not in admin_client.get("/admin/").get_data(as_text=True)


def test_navigation_shows_admin_to_admins_only(admin_client, cashier_client):
    assert 'href="/admin/"' in admin_client.get("/patients/").get_data(as_text=True)
    assert 'href="/admin/"' not in cashier_client.get("/patients/").get_data(as_text=True)


def _admin_urls(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin"):
            yield ("GET" if "GET" in rule.methods else "POST"), example_url(app, rule)


def test_cashiers_get_403_on_every_admin_url(app, cashier_client):
    urls = list(_admin_urls(app))
    assert len(urls) >= 9
    for method, url in urls:
        response = cashier_client.get(url) if method == "GET" else cashier_client.post_form(url, {})
        assert response.status_code == 403, url


@pytest.mark.parametrize("url", ["/admin/", "/admin/staff", "/admin/audit"])
def test_admins_get_the_pages(admin_client, url):
    assert admin_client.get(url).status_code == 200
