"""Deny by default: every page needs sign-in unless its view is marked `@public`."""
import pytest

from tests.routes import example_url


def test_every_private_page_sends_a_stranger_to_sign_in(app, client):
    private = [rule for rule in app.url_map.iter_rules()
               if "GET" in rule.methods and not getattr(app.view_functions[rule.endpoint], "is_public", False)
               and rule.endpoint != "static"]
    assert {"admin.index", "admin.audit_log", "admin.staff_list", "patients.index"} <= {r.endpoint for r in private}
    for rule in private:
        response = client.get(example_url(app, rule))
        assert response.status_code == 302, rule.endpoint
        assert response.headers["Location"].startswith("/login?next="), rule.endpoint


@pytest.mark.parametrize("url", ["/login", "/healthz"])
def test_sign_in_page_and_health_check_are_public(client, url):
    assert client.get(url).status_code == 200


def test_admin_pages_are_not_public(app):
    assert not [endpoint for endpoint, view in app.view_functions.items()
                if endpoint.startswith("admin.") and getattr(view, "is_public", False)]
