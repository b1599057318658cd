"""Deny by default: every page needs sign-in unless its view is marked `@public`."""
import pytest
from werkzeug.routing import AnyConverter, IntegerConverter


def _example_value(converter):
    if isinstance(converter, IntegerConverter):
        return 1
    return min(converter.items) if isinstance(converter, AnyConverter) else "x"


def _example_url(app, rule):
    """The rule's URL with a made-up value for each part (1 for numbers, one of the choices of `any`, else "x")."""
    values = {name: _example_value(converter) for name, converter in rule._converters.items()}
    with app.test_request_context():
        return app.url_for(rule.endpoint, **values, _external=False)


def test_every_private_page_sends_a_stranger_to_sign_in(app, client):
    private = [rule for rule in app.url_map.iter_rules()
               if "GET" in rule.methods and not getattr(app.view_functions[rule.endpoint], "is_public", False)
               and rule.endpoint != "static"]
    assert {"admin.index", "admin.audit_log", "admin.staff_list", "patients.index"} <= {r.endpoint for r in private}
    for rule in private:
        response = client.get(_example_url(app, rule))
        assert response.status_code == 302, rule.endpoint
        assert response.headers["Location"].startswith("/login?next="), rule.endpoint


@pytest.mark.parametrize("url", ["/login", "/healthz"])
def test_sign_in_page_and_health_check_are_public(client, url):
    assert client.get(url).status_code == 200


def test_admin_pages_are_not_public(app):
    assert not [endpoint for endpoint, view in app.view_functions.items()
                if endpoint.startswith("admin.") and getattr(view, "is_public", False)]
