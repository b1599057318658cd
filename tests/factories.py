"""Plain factory functions for test data; each commits so views and jobs see the rows."""
import itertools

from billing_desk.extensions import db
from billing_desk.models import Patient, Service, Staff
from billing_desk.timeutil import local_today, zone_named

DEFAULT_PASSWORD = "correct horse battery"
_counter = itertools.count(1)

TEST_TIMEZONE = "Africa/Lagos"  # the app default, pinned by tests/conftest.py so the environment changes no test


def hospital_today():
    """Today on the hospital's calendar in the tests' time zone; usable where no app is running (parametrize)."""
    return local_today(zone_named(TEST_TIMEZONE))



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


def make_issued_invoice(patient=None, lines=((750000, 1),), currency="NGN", number=None, status="issued"):
    """An issued invoice built straight from rows: `lines` are (unit_price_minor, quantity) pairs."""
    from billing_desk.models import Invoice, InvoiceLine

    patient = patient or make_patient()
    n = next(_counter)
    invoice = Invoice(patient_id=patient.id, currency=currency, status=status, number=number or f"INV-2026-9{n:05d}")
    total = 0
    for position, (unit_price, quantity) in enumerate(lines):
        line_total = unit_price * quantity
        total += line_total
        invoice.lines.append(
            InvoiceLine(position=position, description=f"Item {position + 1}", quantity=quantity,
                        unit_price_minor=unit_price, line_total_minor=line_total)
        )
    invoice.subtotal_minor = invoice.total_minor = total
    from billing_desk.timeutil import utcnow

    invoice.issued_at = utcnow()
    db.session.add(invoice)
    db.session.commit()
    return invoice


def make_draft_invoice(patient=None, lines=None, created_by=None, currency="NGN", invoice_discount_minor=0, **fields):
    """A draft made through `billing.invoices.create_draft`; `lines` are `LineInput`s (default: one ₦7,500 line)."""
    from billing_desk.billing.invoices import LineInput, create_draft

    patient = patient or make_patient()
    if lines is None:
        lines = [LineInput("Consultation", 1, 750000)]
    invoice = create_draft(
        patient.id, currency=currency, due_date=fields.pop("due_date", None), lines=lines,
        invoice_discount_minor=invoice_discount_minor, created_by_id=created_by.id if created_by else None, **fields,
    )
    db.session.commit()
    return invoice


def submit_form(client, url, data):
    """GET `url`, then POST `data` back to it with the CSRF token of that page, as a browser submitting it would."""
    from tests.conftest import CSRF_RE

    match = CSRF_RE.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return client.post(url, data={**data, "csrf_token": match.group(1) or match.group(2)})
