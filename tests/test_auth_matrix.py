"""Who may reach what: every route of the URL map × {anonymous, cashier, admin, deactivated}.

`ACCESS` below is THE table. A route with no entry fails `test_every_route_has_an_expectation`, so whoever
adds a route adds one line here: its endpoint (or a whole blueprint, `"name.*"`, where every route of it
is reached the same way) and one of the kinds in `KINDS`. Each role must get the kind's outcome:
  "login"  → 302 to the sign-in page (with ?next=);  "403" / "401" → that status;
  "in"     → reached: any status but 401/403/500 and no redirect to sign-in (a 404/409/422 is the view itself
             answering about the example data, which is fine here; input is the fuzzer's business).
"""
import pytest

from billing_desk.auth import accounts
from billing_desk.extensions import db
from tests.conftest import sign_in
from tests.one_of_each import seed_one_of_each
from tests.routes import app_rules, example_url

ROLES = ("anonymous", "cashier", "admin", "deactivated")

#         anonymous cashier  admin   deactivated
KINDS = {
    "staff": ("login", "in", "in", "login"),  # any signed-in staff member
    "admin": ("login", "403", "in", "login"),  # administrators only
    "supervisor": ("login", "403", "in", "login"),  # supervisors (administrators are supervisors too)
    "public": ("in", "in", "in", "in"),  # patients' links, sign-in, health checks
    "signed": ("401", "401", "401", "401"),  # Paystack webhooks: only a valid signature gets in
    "api_key": ("401", "401", "401", "401"),  # JSON API: a session cookie is not an API key
}

# One line per endpoint, or per blueprint ("name.*") where every route of it is reached the same way.
ACCESS = {
    "admin.*": "admin",
    "refunds.*": "admin",
    "reports.*": "admin",
    "auth.home": "staff",
    "auth.login": "public",
    "auth.logout": "staff",
    "auth.healthz": "public",
    "auth.readyz": "public",
    "public.*": "public",
    "patients.*": "staff",
    "invoices.*": "staff",
    "payments.*": "staff",
    "catalog.index": "staff",
    "catalog.search_json": "staff",
    "catalog.new": "admin",
    "catalog.edit": "admin",
    "catalog.settings": "admin",
    "notifications.send_invoice": "staff",
    "notifications.email_log": "admin",
    "notifications.resend": "admin",
    "notifications.catcher_inbox": "admin",
    "notifications.catcher_message": "admin",
    "notifications.catcher_read": "admin",
    "notifications.catcher_attachment": "admin",
    "paystack.webhook": "signed",
    "paystack.events": "admin",
    "paystack.event": "admin",
    "paystack.reprocess": "admin",
    "shifts.mine": "staff",
    "shifts.index": "staff",
    "shifts.show": "staff",  # shift 1 is the cashier's own
    "shifts.close": "staff",
    "shifts.z_report_pdf": "staff",
    "shifts.sign_off": "admin",
    "terminals.index": "admin",
    "terminals.refresh": "admin",
    "terminals.update": "admin",
    "terminals.charge": "staff",
    "terminals.waiting": "staff",
    "terminals.stop_waiting": "staff",
    "terminals.push_status": "staff",
    "api.*": "api_key",
    "api.docs": "public",  # the API's documentation and OpenAPI document
    "api.openapi": "public",
    "desk.home": "staff",
    "accounts.*": "staff",
    "statements.show": "staff",
    "statements.pdf": "staff",
    "statements.email": "staff",
    "statements.aging_report": "supervisor",
    "statements.aging_csv": "supervisor",
    "approvals.index": "staff",
    "approvals.approve": "supervisor",
    "approvals.reject": "supervisor",
    "integrations.*": "admin",
}


def expected_kind(endpoint):
    return ACCESS.get(endpoint) or ACCESS.get(endpoint.split(".")[0] + ".*")


def test_every_route_has_an_expectation(app):
    missing = sorted({rule.endpoint for rule in app_rules(app) if expected_kind(rule.endpoint) is None})
    assert not missing, f"add these endpoints to ACCESS in {__file__}: {missing}"


def test_the_table_names_only_known_kinds():
    assert set(ACCESS.values()) <= set(KINDS)


def _outcome(response):
    if response.status_code == 302 and response.headers.get("Location", "").startswith("/login?next="):
        return "login"
    if response.status_code in (401, 403) or response.status_code >= 500:
        return str(response.status_code)
    return "in"


def _client_for(app, role):
    cashier, admin = seed_one_of_each()
    if role == "anonymous":
        return app.test_client()
    if role == "deactivated":
        client = sign_in(app.test_client(), cashier)
        accounts.set_active(cashier, False, actor_id=admin.id)
        db.session.commit()
        return client
    return sign_in(app.test_client(), cashier if role == "cashier" else admin)


def _requests(app):
    """(endpoint, method, url) for every route, sign-out last (it ends the session the others need)."""
    for rule in sorted(app_rules(app), key=lambda r: r.endpoint == "auth.logout"):
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule.endpoint, method, example_url(app, rule, text_value="a4" if "paper" in rule.arguments else "x")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says(app, role):
    client = _client_for(app, role)
    token = client.csrf_token()
    wrong = []
    for endpoint, method, url in _requests(app):
        kind = expected_kind(endpoint)
        if kind is None:
            continue  # reported by test_every_route_has_an_expectation
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        expected = KINDS[kind][ROLES.index(role)]
        if _outcome(response) != expected:
            wrong.append(f"{method} {url} ({endpoint}, {kind}): expected {expected}, got {response.status_code}")
        db.session.rollback()
    assert not wrong, "\n".join(wrong)
