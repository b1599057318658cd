"""schemathesis against the app's own OpenAPI document: generated requests to every operation, positive and
negative; no 500s, and every answer (status, content type, body, headers) as the document says."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

import billing_desk.api.routes  # noqa: F401  (registers the operations)
from billing_desk.api.spec import openapi_document
from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.billing.refunds import create_refund
from billing_desk.extensions import db
from tests.api.conftest import new_key
from tests.factories import make_draft_invoice, make_issued_invoice, make_patient, make_service

pytestmark = pytest.mark.integration


@pytest.fixture
def app_config(app_config):
    # schemathesis' WSGI client calls the app as "localhost"; the budget is the run's, not a key's limit.
    return {**app_config, "SERVER_NAME": None, "API_RATE_LIMIT": "100000 per minute"}


@pytest.fixture
def records(app):
    """A few records, so some generated ids and codes hit real rows; returns the key to call with."""
    make_service(code="CONS1")
    make_draft_invoice(patient=make_patient(mrn="EMR-1"))
    invoice = make_issued_invoice(lines=((500000, 1),))
    payment = record_payment(invoice.id, PaymentDetails(amount_minor=500000, currency="NGN", channel="cash"))
    create_refund(payment.id, 100000, channel="cash", reason="Overcharged")
    db.session.commit()
    return new_key()


# The document the app serves at /api/v1/openapi.json (test_openapi checks they are the same); loaded at import
# so each operation becomes its own test. Every call goes to the test's own app.
# A billing rule may refuse a request the schema cannot rule out (a discount above its line's amount): that
# answer is a documented 422, so it counts as a fitting answer to valid data alongside the defaults.
# Every call carries the test's API key (added below), which undoes schemathesis' own "leave the key out"
# mutation of negative cases, so its "invalid data was accepted" verdict cannot be judged here; unknown fields,
# bad types and missing keys are refused case by case in test_conventions. Every other check stays on.
CONFIG = SchemathesisConfig.from_dict({"checks": {
    "positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]},
    "negative_data_rejection": {"enabled": False},
}})
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)


class TestsApp:
    """The WSGI app schemathesis calls (its checks' own probes too): the running test's app."""

    current = None

    def __call__(self, environ, start_response):
        return self.current(environ, start_response)


schema.app = TestsApp()



def _has_float(value):
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    return isinstance(value, float)


@schema.hook("filter_body")
def _integers_only(_context, body):
    """JSON Schema counts 1500.0 as an integer; this API refuses it (amounts are integer literals, never
    floats), which `test_conventions` checks. So such bodies are left out of the positive run."""
    return not _has_float(body)


@schema.parametrize()
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_own_document(case, app, records):
    schema.app.current = app
    case.call_and_validate(headers={"Authorization": f"Bearer {records}"})
