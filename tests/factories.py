"""Plain factory functions for test data; each commits so views and jobs see the rows."""
import itertools

from billing_desk.extensions import db
from billing_desk.models import Patient, Service, Staff

DEFAULT_PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_staff(role="cashier", email=None, full_name=None, password=DEFAULT_PASSWORD, active=True):
    n = next(_counter)
    staff = Staff(
        email=email or f"staff{n}@example.org", full_name=full_name or f"Staff {n}", role=role, active=active
    )
    staff.set_password(password)
    db.session.add(staff)
    db.session.commit()
    return staff


def make_patient(**fields):
    n = next(_counter)
    values = {"mrn": f"MRN{n:07d}", "first_name": "Ada", "last_name": f"Obi{n}", "sex": "female", "phone": None}
    values.update(fields)
    patient = Patient(**values)
    db.session.add(patient)
    db.session.commit()
    return patient


def make_service(**fields):
    n = next(_counter)
    values = {
        "code": f"SVC{n:04d}",
        "name": f"Service {n}",
        "department": "Outpatients",
        "unit_price_minor": 750000,
        "currency": "NGN",
    }
    values.update(fields)
    service = Service(**values)
    db.session.add(service)
    db.session.commit()
    return service
