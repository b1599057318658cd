import pytest

from tests.accounts.conftest import supervisor, supervisor_client  # noqa: F401  (fixtures)


@pytest.fixture
def app_config(app_config):
    """Approvals as in production: every void of an issued invoice and every refund needs a supervisor."""
    app_config.update({"APPROVAL_VOID_REQUIRED": True, "APPROVAL_REFUND_THRESHOLD_MINOR": 0,
                       "APPROVAL_DEPOSIT_REFUND_THRESHOLD_MINOR": 0})
    return app_config
