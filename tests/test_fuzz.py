"""Fuzzing generated from the app itself: never a 500, and nothing written when a request is refused.

Routes come from the URL map, field names from every WTForms class in `billing_desk` plus the forms each
page shows, values from `tests.fuzzing` (NUL bytes, 5,000-digit and superscript numbers, far dates,
over-long text, text sent as file parts…). A new route or form is fuzzed without anyone listing it here.
Bounded (`EXAMPLES`) so the suite stays fast; the regressions behind it are pinned in
`tests/test_hostile_input.py`.
"""
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing_desk.extensions import db
from tests.conftest import sign_in
from tests.fuzzing import NASTY, fingerprint, form_field_names, hostile_text, hostile_value, names_on_page
from tests.one_of_each import seed_one_of_each
from tests.routes import ID_CONVERTERS, app_rules, example_url

EXAMPLES = 100
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# Refused requests that rightly leave a trace: wrong passwords are counted, forged webhooks are counted.
WRITES_WHEN_REFUSED = {"auth.login": {"sign_in_pauses", "audit_entries"}, "paystack.webhook": {"app_settings"}}
NOT_FUZZED = {"auth.logout", "static"}  # no input, and signing out would end the fuzzer's session
PLACEHOLDER = re.compile(r"<(?:[^>]*:)?(\w+)>")
EXTRA_PAGES = ["/invoices/new?patient_id=1"]  # the draft editor needs its patient
QUERY_NAMES = {"page", "per_page", "q", "next", "show", "active", "currency", "patient_id", "range", "name"}


_NAMES = []  # every field name the app's forms and pages use: the same for every test, so found once


def _field_names(app, client):
    if not _NAMES:
        names = set(form_field_names()) | QUERY_NAMES
        urls = [example_url(app, rule) for rule in _rules(app, "GET")] + EXTRA_PAGES
        for url in urls:
            response = client.get(url)
            if response.mimetype == "text/html":
                names |= names_on_page(response.get_data(as_text=True))
            response.close()
        db.session.rollback()
        _NAMES.extend(sorted(names))
    return _NAMES


@pytest.fixture
def desk(app):
    """The admin's client, an anonymous one, their CSRF tokens, and every field name to fuzz."""
    _cashier, admin = seed_one_of_each()
    admin_client, anonymous = sign_in(app.test_client(), admin), app.test_client()
    return {"admin": admin_client, "anonymous": anonymous, "names": _field_names(app, admin_client),
            "tokens": {"admin": admin_client.csrf_token(), "anonymous": anonymous.csrf_token()}}


def _rules(app, method):
    return [rule for rule in app_rules(app) if method in rule.methods and rule.endpoint not in NOT_FUZZED]


def _client(app, desk, rule):
    public = getattr(app.view_functions[rule.endpoint], "is_public", False)
    who = "anonymous" if public else "admin"
    return desk[who], desk["tokens"][who]


def _check(app, response, rule, before, method):
    assert response.status_code != 500, f"{method} {rule.rule} gave a 500"
    if method == "GET" or response.status_code >= 400:
        after = fingerprint(WRITES_WHEN_REFUSED.get(rule.endpoint, ()) if method == "POST" else ())
        assert after == before, f"{method} {rule.rule} ({response.status_code}) wrote to the database"


@FUZZ
@given(data=st.data())
def test_query_parameters_never_crash_or_write(app, desk, data):
    rule = data.draw(st.sampled_from(_rules(app, "GET")), label="rule")
    query = data.draw(st.dictionaries(st.sampled_from(desk["names"]), hostile_text, max_size=4), label="query")
    client, _token = _client(app, desk, rule)
    before = fingerprint()
    response = client.get(example_url(app, rule), query_string=query)
    response.close()
    _check(app, response, rule, before, "GET")


def _hostile_path(rule, draw):
    """The rule's path with a hostile value in every part (ids get hostile numbers, other parts any text)."""
    def hostile(match):
        converter = rule._converters[match.group(1)]
        value = draw(st.sampled_from(["0", str(2**31), str(10**30), "9" * 5000, "²", "-1", "1"])
                     if isinstance(converter, ID_CONVERTERS) else hostile_text, label=match.group(1))
        return quote(value, safe="")

    return PLACEHOLDER.sub(hostile, rule.rule)


@FUZZ
@given(data=st.data())
def test_path_ids_and_names_never_crash_or_write(app, desk, data):
    rule = data.draw(st.sampled_from([r for r in app_rules(app) if r.arguments and r.endpoint not in NOT_FUZZED]),
                     label="rule")
    method = data.draw(st.sampled_from(sorted(rule.methods & {"GET", "POST"})), label="method")
    client, token = _client(app, desk, rule)
    path = _hostile_path(rule, data.draw)
    before = fingerprint(WRITES_WHEN_REFUSED.get(rule.endpoint, ()) if method == "POST" else ())
    response = client.get(path) if method == "GET" else client.post(path, data={"csrf_token": token})
    response.close()
    _check(app, response, rule, before, method)


@FUZZ
@given(data=st.data())
def test_forms_never_crash_and_refusals_write_nothing(app, desk, data):
    rule = data.draw(st.sampled_from(_rules(app, "POST")), label="rule")
    fields = data.draw(st.dictionaries(st.sampled_from(desk["names"]), hostile_value, min_size=1, max_size=8),
                       label="fields")
    client, token = _client(app, desk, rule)
    url = example_url(app, rule, text_value="a4" if "paper" in rule.arguments else "x")
    before = fingerprint(WRITES_WHEN_REFUSED.get(rule.endpoint, ()))
    response = client.post(url, data={"csrf_token": token, **fields})
    response.close()
    _check(app, response, rule, before, "POST")


def test_the_fuzzer_sees_every_form(desk):
    assert {"first_name", "submission_key", "reason", "amount", "lines-0-description", "charge-terminal",
            "email", "password", "date_from", "opened_to", "created_to", "cashier"} <= set(desk["names"])
    assert "\x00" in NASTY and "9" * 5000 in NASTY
