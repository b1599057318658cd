"""The races the views cannot show: another request commits between our check and our insert."""
import pytest
from sqlalchemy import func, select

from billing_desk.extensions import db
from billing_desk.models import Patient
from billing_desk.patients import service
from tests.factories import make_patient

DETAILS = {"first_name": "Ada", "last_name": "Obi", "sex": "female", "date_of_birth": None, "phone": None,
           "email": None, "address": None, "mrn": None}


def _first_check_misses(monkeypatch, name, miss):
    """Make the service's first look-up answer `miss`, as if the other request had not committed yet."""
    real, calls = getattr(service, name), []

    def late(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs) if len(calls) > 1 else miss

    monkeypatch.setattr(service, name, late)


def test_lost_race_on_submission_key_finds_the_first_patient(app, monkeypatch):
    first = make_patient(submission_key="key-1")
    _first_check_misses(monkeypatch, "find_by_submission_key", None)
    with pytest.raises(service.AlreadySubmitted) as raised:
        service.register_patient(DETAILS, submission_key="key-1", actor_id=None)
    assert raised.value.patient.id == first.id
    db.session.commit()  # the transaction is still usable
    assert db.session.scalar(select(func.count()).select_from(Patient)) == 1


def test_lost_race_on_mrn_is_mrn_taken(app, monkeypatch):
    make_patient(mrn="LUTH-1")
    _first_check_misses(monkeypatch, "_mrn_in_use", False)
    with pytest.raises(service.MrnTaken):
        service.register_patient({**DETAILS, "mrn": "LUTH-1"}, submission_key="key-2", actor_id=None)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Patient)) == 1
