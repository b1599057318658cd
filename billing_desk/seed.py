"""Demo data for a first run: staff with known passwords, a price list, patients and some invoices.

Only for development and demos (`flask seed-demo`); it refuses to run on a database that already has staff.
"""
import random
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from billing_desk.billing import invoices
from billing_desk.billing.money import MINOR_PER_MAJOR
from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.models import Patient, Service, Staff, Terminal
from billing_desk.shifts.service import open_shift
from billing_desk.timeutil import local_today

DEMO_PASSWORD = "demo-password-1"
DEMO_STAFF = (
    ("admin@demo.hospital", "Amaka Okafor", "admin"),
    ("cashier1@demo.hospital", "Tunde Bello", "cashier"),
    ("cashier2@demo.hospital", "Grace Mensah", "cashier"),
)
# (code, name, department, price in naira)
DEMO_SERVICES = (
    ("CON-GP", "Consultation — General Practitioner", "Outpatients", 7_500),
    ("CON-SP", "Consultation — Specialist", "Outpatients", 15_000),
    ("CON-PD", "Consultation — Paediatrics", "Paediatrics", 10_000),
    ("CON-OB", "Antenatal visit", "Obstetrics", 8_000),
    ("EMR-TR", "Emergency triage", "Emergency", 5_000),
    ("LAB-FBC", "Full blood count", "Laboratory", 2_500),
    ("LAB-MP", "Malaria parasite test", "Laboratory", 1_500),
    ("LAB-UA", "Urinalysis", "Laboratory", 1_200),
    ("LAB-LFT", "Liver function test", "Laboratory", 6_500),
    ("LAB-RFT", "Renal function test", "Laboratory", 6_000),
    ("LAB-LIP", "Lipid profile", "Laboratory", 7_000),
    ("LAB-HBA", "HbA1c", "Laboratory", 5_500),
    ("LAB-WID", "Widal test", "Laboratory", 1_800),
    ("RAD-CXR", "Chest X-ray", "Radiology", 12_000),
    ("RAD-USG", "Abdominal ultrasound", "Radiology", 15_000),
    ("RAD-OBS", "Obstetric ultrasound", "Radiology", 12_500),
    ("RAD-CT", "CT scan — head", "Radiology", 85_000),
    ("RAD-ECG", "Electrocardiogram (ECG)", "Cardiology", 9_000),
    ("PHA-PAR", "Paracetamol 500 mg (10 tablets)", "Pharmacy", 350),
    ("PHA-AMX", "Amoxicillin 500 mg (21 capsules)", "Pharmacy", 2_100),
    ("PHA-ACT", "Artemether-lumefantrine (course)", "Pharmacy", 3_200),
    ("PHA-ORS", "Oral rehydration salts (sachet)", "Pharmacy", 150),
    ("PHA-IVF", "IV fluids — normal saline 1 L", "Pharmacy", 1_500),
    ("PRC-DRS", "Wound dressing", "Procedures", 3_000),
    ("PRC-SUT", "Suturing — minor laceration", "Procedures", 12_000),
    ("PRC-INJ", "Injection administration", "Procedures", 500),
    ("WRD-GEN", "General ward — per night", "Wards", 25_000),
    ("WRD-PVT", "Private room — per night", "Wards", 60_000),
    ("DEN-EXT", "Tooth extraction", "Dental", 18_000),
    ("PHY-SES", "Physiotherapy session", "Physiotherapy", 9_500),
)
FIRST_NAMES = ("Ada", "Chinedu", "Ngozi", "Emeka", "Funke", "Ibrahim", "Kemi", "Musa", "Nneka", "Olu",
               "Sade", "Tobi", "Uche", "Yemi", "Zainab", "Bola", "Femi", "Halima", "Ifeoma", "Kunle")
LAST_NAMES = ("Obi", "Adeyemi", "Okonkwo", "Balogun", "Eze", "Abubakar", "Okoro", "Adebayo", "Nwosu",
              "Ogunleye", "Danjuma", "Ibekwe", "Lawal", "Onyeka", "Usman")
SANDBOX_TERMINALS = (("2232WE17", "Terminal 1", "Desk 1"), ("3911QX42", "Terminal 2", "Desk 2"))


@dataclass
class SeedResult:
    staff: int
    services: int
    patients: int
    invoices: int


class AlreadySeeded(RuntimeError):
    pass


def seed_demo(patients=50, invoice_count=20, with_sandbox_terminals=True, rng=None):
    """Fill an empty database with demo data; commits. Raises AlreadySeeded if staff exist."""
    rng = rng or random.Random(2026)
    if db.session.scalar(select(func.count()).select_from(Staff)):
        raise AlreadySeeded("The database already has staff; demo data is only added to an empty database.")
    staff = []
    for email, name, role in DEMO_STAFF:
        member = Staff(email=email, full_name=name, role=role)
        member.set_password(DEMO_PASSWORD)
        staff.append(member)
    db.session.add_all(staff)
    services = [
        Service(code=code, name=name, department=dept, unit_price_minor=naira * MINOR_PER_MAJOR, currency="NGN")
        for code, name, dept, naira in DEMO_SERVICES
    ]
    db.session.add_all(services)
    if with_sandbox_terminals:
        db.session.add_all(Terminal(terminal_id=tid, name=name, desk=desk, status="active")
                           for tid, name, desk in SANDBOX_TERMINALS)
    db.session.flush()
    if with_sandbox_terminals:
        terminals = db.session.scalars(select(Terminal).order_by(Terminal.id)).all()
        for cashier, terminal in zip(staff[1:], terminals):
            cashier.default_terminal_id = terminal.id

    people = []
    for n in range(patients):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        people.append(Patient(
            mrn=f"H{n + 1:06d}", first_name=first, last_name=last, sex=rng.choice(("female", "male")),
            date_of_birth=date(1950, 1, 1) + timedelta(days=rng.randrange(0, 26000)),
            phone=f"+23480{rng.randrange(10_000_000, 99_999_999)}",
            email=f"{first}.{last}{n}@example.org".lower() if n % 4 else None,
            address=f"{rng.randrange(1, 200)} {rng.choice(('Allen Avenue', 'Herbert Macaulay Way', 'Adeola Odeku Street'))}, Lagos",
        ))
    db.session.add_all(people)
    db.session.flush()
    # Both cashiers are mid-shift with a ₦20,000 float, so the demo's desk payments belong to a shift and
    # closing one shows a real Z report.
    for cashier in staff[1:]:
        open_shift(cashier.id, 2_000_000, currency="NGN")

    made = 0
    for n in range(invoice_count):
        cashier = staff[1 + n % 2]
        chosen = rng.sample(services, k=rng.randint(1, 4))
        lines = [invoices.LineInput(description=s.name, quantity=rng.randint(1, 3),
                                    unit_price_minor=s.unit_price_minor, service_id=s.id) for s in chosen]
        invoice = invoices.create_draft(
            people[n % len(people)].id, currency="NGN", due_date=local_today() + timedelta(days=current_app.config["INVOICE_DUE_DAYS"]),
            lines=lines, created_by_id=cashier.id,
        )
        made += 1
        if n % 5 == 4:
            continue  # leave some drafts
        invoices.issue_invoice(invoice.id, actor_id=cashier.id)
        if n % 5 == 1:
            record_payment(invoice.id, PaymentDetails(invoice.total_minor // 2, "NGN", "cash",
                                                      tendered_minor=invoice.total_minor // 2,
                                                      received_by_id=cashier.id), actor_id=cashier.id)
        elif n % 5 == 2:
            record_payment(invoice.id, PaymentDetails(invoice.total_minor, "NGN", "transfer",
                                                      reference=f"TRF{n:06d}", received_by_id=cashier.id),
                           actor_id=cashier.id)
    db.session.commit()
    return SeedResult(staff=len(staff), services=len(services), patients=len(people), invoices=made)
