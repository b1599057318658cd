import pytest

from billing_desk.extensions import db
from billing_desk.integrations import service
from tests.integrations.receiver import Receiver


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture
def subscribe(app):
    def make(url, events=("invoice.issued", "invoice.paid", "invoice.voided", "payment.recorded",
                          "refund.processed"), name="Hospital EMR"):
        subscription = service.create_subscription(name=name, url=url, events=events, actor_id=None)
        db.session.commit()
        return subscription
    return make
