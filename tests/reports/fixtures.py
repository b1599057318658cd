"""A small March 2026 of hand-countable money, built through the real payment and refund services.

Times are Lagos wall-clock times (stored as UTC, an hour earlier), so the edges of the range are the
hospital's midnights.

NGN (range 1–31 March 2026, judged on 10 April 2026):
  I1  Consultation ×1   1,000,000  issued 02 Mar, due 09 Mar; cash 1,000,000 (02 Mar, Cathy); cash refund
                                   200,000 processed 05 Mar; a failed refund of 50,000 that must not count
  I2  X-ray ×2          5,000,000  issued 03 Mar, due 20 Mar; transfer 1,500,000 (04 Mar, Cathy);
                                   cash 100,000 on 01 Apr 00:00:00 (just outside the range)
  I3  Consultation ×1   1,000,000  issued 10 Mar, then voided
  I4  typed line          300,000  issued 15 Mar, due 01 May; cash 100,000 at 31 Mar 23:59:59 (Cathy)
  I5  Consultation ×1   1,000,000  issued 20 Feb (outside); card 500,000 on terminal "Desk 1" (06 Mar, no cashier)
GHS:
  G1  Lab test ×3          90,000  issued 12 Mar; cash 90,000 (12 Mar, Ada Admin)
Terminal pushes in March: paid after 30 s, 60 s and 150 s; failed; timed_out; expired; sent (open);
and one paid push on 02 Apr (outside).
"""
from datetime import date, datetime, timedelta

from billing_desk.billing.payments import PaymentDetails, record_payment
from billing_desk.billing.refunds import create_refund
from billing_desk.extensions import db
from billing_desk.models import Invoice, InvoiceLine, PaymentRequest, Refund, Terminal, TerminalPush
from billing_desk.reports.stats import Period
from billing_desk.timeutil import to_utc, zone_named
from tests.factories import make_patient, make_service

ZONE = zone_named("Africa/Lagos")  # the test app's TIMEZONE: every time below is the hospital's clock
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31), "week", today=date(2026, 4, 10), zone=ZONE)
TODAY = date(2026, 4, 10)


def local(*parts):
    """A Lagos wall-clock time as the naive UTC the database stores (01:00 Lagos is 00:00 UTC)."""
    return to_utc(datetime(*parts), ZONE)


def _invoice(patient, currency, issued, due, lines, status="issued"):
    """`lines`: (service or None, unit price, quantity)."""
    invoice = Invoice(patient_id=patient.id, currency=currency, status=status, issued_at=issued, due_date=due)
    total = 0
    for position, (service, price, quantity) in enumerate(lines):
        total += price * quantity
        invoice.lines.append(InvoiceLine(
            position=position, service_id=service.id if service else None,
            description=service.name if service else "Dressing (typed)", quantity=quantity,
            unit_price_minor=price, line_total_minor=price * quantity,
        ))
    invoice.subtotal_minor = invoice.total_minor = total
    db.session.add(invoice)
    db.session.commit()
    return invoice


def _pay(invoice, amount, channel, at, staff=None):
    payment = record_payment(invoice.id, PaymentDetails(
        amount_minor=amount, currency=invoice.currency, channel=channel, paid_at=at,
        received_by_id=staff.id if staff else None,
    ), actor_id=None)
    db.session.commit()
    return payment


def _push(invoice, terminal, status, created, seconds=None):
    request = PaymentRequest(invoice_id=invoice.id, amount_minor=invoice.total_minor, currency=invoice.currency)
    db.session.add(request)
    db.session.flush()
    db.session.add(TerminalPush(
        invoice_id=invoice.id, payment_request_id=request.id, terminal_id=terminal.id, status=status,
        created_at=created, finished_at=created + timedelta(seconds=seconds) if seconds is not None else None,
    ))
    db.session.commit()


def build_march(cashier, admin):
    patient = make_patient()
    consultation = make_service(name="Consultation", department="Outpatients", unit_price_minor=1_000_000)
    xray = make_service(name="X-ray", department="Radiology", unit_price_minor=2_500_000)
    lab = make_service(name="Lab test", department="Laboratory", unit_price_minor=30_000, currency="GHS")
    terminal = Terminal(terminal_id="T-DESK-1", name="Desk 1")
    db.session.add(terminal)
    db.session.commit()

    i1 = _invoice(patient, "NGN", local(2026, 3, 2, 9), date(2026, 3, 9), [(consultation, 1_000_000, 1)])
    p1 = _pay(i1, 1_000_000, "cash", local(2026, 3, 2, 9, 30), cashier)
    refund = create_refund(p1.id, 200_000, channel="cash", reason="Overcharged", actor_id=admin.id)
    refund.processed_at = local(2026, 3, 5, 11)
    db.session.add(Refund(payment_id=p1.id, invoice_id=i1.id, amount_minor=50_000, currency="NGN",
                          channel="paystack", status="failed", reason="Card expired",
                          processed_at=local(2026, 3, 6)))
    db.session.commit()

    i2 = _invoice(patient, "NGN", local(2026, 3, 3, 10), date(2026, 3, 20), [(xray, 2_500_000, 2)])
    _pay(i2, 1_500_000, "transfer", local(2026, 3, 4, 15), cashier)
    _pay(i2, 100_000, "cash", local(2026, 4, 1, 0, 0, 0), cashier)

    _invoice(patient, "NGN", local(2026, 3, 10, 8), None, [(consultation, 1_000_000, 1)], status="void")
    i4 = _invoice(patient, "NGN", local(2026, 3, 15, 8), date(2026, 5, 1), [(None, 300_000, 1)])
    _pay(i4, 100_000, "cash", local(2026, 3, 31, 23, 59, 59), cashier)

    i5 = _invoice(patient, "NGN", local(2026, 2, 20, 8), date(2026, 3, 1), [(consultation, 1_000_000, 1)])
    card = _pay(i5, 500_000, "card_terminal", local(2026, 3, 6, 10, 0, 30))
    card.terminal_id = terminal.id
    db.session.commit()

    g1 = _invoice(patient, "GHS", local(2026, 3, 12, 9), date(2026, 3, 30), [(lab, 30_000, 3)])
    _pay(g1, 90_000, "cash", local(2026, 3, 12, 9, 5), admin)

    for status, day, seconds in (("paid", 6, 30), ("paid", 7, 60), ("paid", 8, 150), ("failed", 9, 20),
                                 ("timed_out", 10, None), ("expired", 11, None), ("sent", 12, None)):
        _push(i5, terminal, status, local(2026, 3, day, 10), seconds)
    _push(i5, terminal, "paid", local(2026, 4, 2, 10), 5)
