"""Demo data for a first run: staff with known passwords, a price list, patients, and 90 days of a desk's work.

Every page and chart has something real to show: invoices paid by cash, transfer, terminal card and online card
on past days, in shifts closed (most signed off) with their Z reports, a few refunds and payment reviews, and
today's open shifts with invoices still waiting. Only for development and demos (`flask seed-demo`); it refuses to
run on a database that already has staff. Past work is written through the same services as the desk's, then
dated back; a past shift is closed with its figures frozen as `close_shift` would, without asking Paystack.
"""
import random
from dataclasses import dataclass
from datetime import date, time, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from billing_desk.billing import invoices, refunds
from billing_desk.billing.money import MINOR_PER_MAJOR
from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.extensions import db
from billing_desk.models import AuditEntry, Patient, PaymentReview, Service, Staff, Terminal
from billing_desk.patients.service import generated_mrn
from billing_desk.shifts.service import CASH, open_shift, totals_rows
from billing_desk.timeutil import at_local_time, local_today, utcnow

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
HISTORY_DAYS = 90
DEMO_CARD = {"brand": "visa", "last4": "4081", "authorization_code": "AUTH_demo"}
FLOAT_MINOR = 2_000_000  # ₦20,000 in each drawer


@dataclass
class SeedResult:
    staff: int
    services: int
    patients: int
    invoices: int


class AlreadySeeded(RuntimeError):
    pass


def seed_demo(patients=50, invoice_count=20, with_sandbox_terminals=True, rng=None, history_days=HISTORY_DAYS):
    """Fill an empty database with demo data; commits. Raises AlreadySeeded if staff exist.

    `invoice_count` invoices are today's (both cashiers mid-shift); `history_days` of closed shifts come before.
    """
    rng = rng or random.Random(2026)
    if db.session.scalar(select(func.count()).select_from(Staff)):
        raise AlreadySeeded("The database already has staff; demo data is only added to an empty database.")
    staff = _staff()
    services = [
        Service(code=code, name=name, department=dept, unit_price_minor=naira * MINOR_PER_MAJOR, currency="NGN")
        for code, name, dept, naira in DEMO_SERVICES
    ]
    db.session.add_all(services)
    terminals = _terminals(staff) if with_sandbox_terminals else []
    people = _patients(patients, rng)
    desk = _Desk(rng, staff, services, people, terminals)
    made = desk.history(history_days)
    # Both cashiers are mid-shift with a ₦20,000 float, so today's desk payments belong to a shift and
    # closing one shows a real Z report.
    for cashier in staff[1:]:
        open_shift(cashier.id, FLOAT_MINOR, currency="NGN")
    made += desk.today(invoice_count)
    db.session.commit()
    return SeedResult(staff=len(staff), services=len(services), patients=len(people), invoices=made)


def _staff():
    staff = []
    for email, name, role in DEMO_STAFF:
        member = Staff(email=email, full_name=name, role=role)
        member.set_password(DEMO_PASSWORD)
        staff.append(member)
    db.session.add_all(staff)
    db.session.flush()
    return staff


def _terminals(staff):
    db.session.add_all(Terminal(terminal_id=tid, name=name, desk=desk, status="active")
                       for tid, name, desk in SANDBOX_TERMINALS)
    db.session.flush()
    terminals = db.session.scalars(select(Terminal).order_by(Terminal.id)).all()
    for cashier, terminal in zip(staff[1:], terminals):
        cashier.default_terminal_id = terminal.id
    return terminals


def _patients(count, rng):
    """Patients with hospital numbers in the one format the desk gives them (`generated_mrn`)."""
    people = []
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        people.append(Patient(
            mrn=f"NEW-{n}", first_name=first, last_name=last, sex=rng.choice(("female", "male")),
            date_of_birth=date(1950, 1, 1) + timedelta(days=rng.randrange(0, 26000)),
            phone=f"+23480{rng.randrange(10_000_000, 99_999_999)}",
            email=f"{first}.{last}{n}@example.org".lower() if n % 4 else None,
            address=f"{rng.randrange(1, 200)} {rng.choice(('Allen Avenue', 'Herbert Macaulay Way', 'Adeola Odeku Street'))}, Lagos",
        ))
    db.session.add_all(people)
    db.session.flush()
    for patient in people:
        patient.mrn = generated_mrn(patient.id)
    return people


class _Desk:
    """Makes invoices and takes their money as the desk would, then dates the rows back to when it happened."""

    def __init__(self, rng, staff, services, people, terminals):
        self.rng, self.admin, self.cashiers = rng, staff[0], staff[1:]
        self.services, self.people, self.terminals = services, people, terminals
        self.count = 0

    def invoice(self, cashier, when=None, issue=True):
        chosen = self.rng.sample(self.services, k=self.rng.randint(1, 4))
        lines = [invoices.LineInput(description=s.name, quantity=self.rng.randint(1, 3),
                                    unit_price_minor=s.unit_price_minor, service_id=s.id) for s in chosen]
        invoice = invoices.create_draft(
            self.rng.choice(self.people).id, currency="NGN", lines=lines, created_by_id=cashier.id,
            due_date=local_today() + timedelta(days=current_app.config["INVOICE_DUE_DAYS"]) if when is None else None,
        )
        self.count += 1
        if issue:
            invoices.issue_invoice(invoice.id, actor_id=cashier.id)
        return invoice

    def pay(self, invoice, cashier, channel, amount, when=None):
        n = self.count
        details = PaymentDetails(
            amount, "NGN", channel, received_by_id=None if channel == "online" else cashier.id, paid_at=when,
            reference=f"TRF{n:06d}" if channel == "transfer" else None,
            paystack_reference={"card_terminal": f"pos_demo{n:06d}", "online": f"demo{n:06d}"}.get(channel),
            tendered_minor=-(-amount // 100_000) * 100_000 if channel == CASH else None,  # rounded up to ₦1,000
        )
        payment = record_payment(invoice.id, details, actor_id=details.received_by_id)
        if channel == "card_terminal" and self.terminals:
            payment.terminal_id = self.terminals[self.cashiers.index(cashier) % len(self.terminals)].id
        if channel == "online":
            payment.note_card(DEMO_CARD)
        return payment

    def history(self, days):
        """Closed shifts on every working day of the last `days` days, each with its invoices: the cashiers take
        turns, and both work on Mondays and Fridays."""
        paid = []
        for back in range(days, 0, -1):
            day = local_today() - timedelta(days=back)
            if day.weekday() == 6:
                continue  # the desk is closed on Sundays
            for turn, cashier in enumerate(self.cashiers):
                if (back + turn) % 2 == 0 or day.weekday() in (0, 4):
                    paid += self._past_shift(cashier, day)
        db.session.flush()
        self._refunds_and_reviews(paid)
        return self.count

    def _past_shift(self, cashier, day):
        shift = open_shift(cashier.id, FLOAT_MINOR, currency="NGN")
        shift.opened_at = at_local_time(day, time(8, 0))
        paid = []
        for k in range(self.rng.choice((1, 1, 2))):
            when = at_local_time(day, time(9 + 2 * k, self.rng.randrange(60)))
            invoice = self.invoice(cashier, when)
            channel = self.rng.choice(("cash", "cash", "transfer", "card_terminal", "online"))
            if self.rng.random() < 0.15:  # a part payment: the rest is still owed
                self.pay(invoice, cashier, channel, invoice.total_minor // 2, when + timedelta(minutes=5))
            else:
                paid.append(self.pay(invoice, cashier, channel, invoice.total_minor, when + timedelta(minutes=5)))
            self._date_back(invoice, when)
        self._close(shift, at_local_time(day, time(17, 0)))
        return paid

    def _close(self, shift, closed_at):
        """Freeze a past shift's Z report as `close_shift` does, with a small variance now and then."""
        rows = totals_rows(shift)
        cash = next(row["amount_minor"] for row in rows if row["channel"] == CASH)
        variance = self.rng.choice((0, 0, 0, 0, -50_000, 20_000))
        shift.closed_at, shift.closed_by_id = closed_at, shift.staff_id
        shift.cash_taken_minor, shift.cash_refunds_minor = cash, 0
        shift.expected_cash_minor = FLOAT_MINOR + cash
        shift.counted_cash_minor = shift.expected_cash_minor + variance
        shift.variance_minor = variance
        shift.variance_reason = "Change given short on a busy morning" if variance else None
        shift.channel_totals, shift.terminal_checks = rows, []
        if closed_at < utcnow() - timedelta(days=3):  # the last few days wait for the administrator
            shift.signed_off_at, shift.signed_off_by_id = closed_at + timedelta(hours=1), self.admin.id

    def _date_back(self, invoice, when):
        invoice.created_at = invoice.issued_at = when
        invoice.due_date = when.date() + timedelta(days=current_app.config["INVOICE_DUE_DAYS"])
        db.session.flush()
        db.session.execute(update(AuditEntry).where(AuditEntry.invoice_id == invoice.id).values(created_at=when))

    def _refunds_and_reviews(self, paid):
        """Two cash refunds by the administrator and three reviews Paystack money could not be applied by."""
        for payment in self.rng.sample(paid, k=min(2, len(paid))):
            refunds.create_refund(payment.id, payment.amount_minor // 4, channel=CASH, actor_id=self.admin.id,
                                  reason="Test not done: part of the fee returned")
        kinds = (("amount_mismatch", "open"), ("overpayment", "open"), ("currency_mismatch", "resolved"))
        for n, (kind, status) in enumerate(kinds):
            invoice = self.rng.choice(paid).invoice
            db.session.add(PaymentReview(
                kind=kind, status=status, invoice_id=invoice.id, paystack_reference=f"pos_review{n:04d}",
                expected_minor=invoice.total_minor, received_minor=invoice.total_minor - 10_000, currency="NGN",
                created_at=utcnow() - timedelta(days=2 + n),
                detail="Demo: the terminal took a different amount than was asked for.",
                resolved_at=utcnow() if status == "resolved" else None,
                resolved_by_id=self.admin.id if status == "resolved" else None,
                resolution_note="Refunded the difference at Paystack." if status == "resolved" else None,
            ))

    def today(self, count):
        """Today's invoices: some drafts, some waiting, some paid by cash or transfer in the open shifts."""
        for n in range(count):
            cashier = self.cashiers[n % 2]
            invoice = self.invoice(cashier, issue=n % 5 != 4)  # leave some drafts
            if n % 5 == 1:
                self.pay(invoice, cashier, CASH, invoice.total_minor // 2)
            elif n % 5 == 2:
                self.pay(invoice, cashier, "transfer", invoice.total_minor)
        return count
