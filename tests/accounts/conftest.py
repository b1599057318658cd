import pytest

from tests.conftest import sign_in
from tests.factories import make_staff


@pytest.fixture
def supervisor(app):
    return make_staff(role="supervisor", email="sue@example.org", full_name="Sue Supervisor")


@pytest.fixture
def supervisor_client(app, supervisor):
    return sign_in(app.test_client(), supervisor)


SUE = {"supervisor_email": "sue@example.org", "supervisor_password": "correct horse battery"}


@pytest.fixture
def app_config(app_config):
    """Every refund of a deposit needs a supervisor here, as in production."""
    app_config["APPROVAL_DEPOSIT_REFUND_THRESHOLD_MINOR"] = 0
    return app_config
