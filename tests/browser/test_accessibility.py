"""axe-core over every main page, as a cashier and as an administrator: no serious or critical violation.

The pages are filled with the demo data a first run shows (`seed_demo`), so tables, badges, forms and panels
are checked with real content in them, not as empty states.
"""
from sqlalchemy import select

from billing_desk.extensions import db
from billing_desk.models import Invoice, Patient, Payment, Shift, Staff
from billing_desk.public.links import make_token
from billing_desk.seed import DEMO_PASSWORD, seed_demo
from tests.browser.harness import axe_violations
from tests.browser.steps import sign_in

# One page of each kind (an edit form is checked as its "new" twin; a list once per role that sees it).
CASHIER_PAGES = (
    "/", "/patients/", "/patients/new", "/patients/{patient}", "/invoices/", "/invoices/new?patient_id={patient}",
    "/invoices/{draft}", "/invoices/{issued}", "/invoices/{paid}", "/payments/{payment}", "/catalog/",
    "/shifts/mine",
)
ADMIN_PAGES = (
    "/admin/", "/admin/staff", "/admin/staff/new", "/admin/audit", "/admin/emails", "/admin/reviews",
    "/paystack/events", "/reports/statistics", "/reports/jobs", "/reports/reconciliation", "/shifts/",
    "/shifts/{shift}/close", "/terminals/", "/payments/{payment}/refund",
)
PUBLIC_PAGES = ("/login", "/p/{token}")


def demo_ids():
    """Ids of the demo rows each kind of page is shown for."""
    issued = db.session.scalars(select(Invoice).where(Invoice.status.in_(("issued", "partially_paid")))
                                .order_by(Invoice.id)).first()
    payment = db.session.scalars(select(Payment).order_by(Payment.id)).first()
    return {
        "patient": db.session.scalars(select(Patient.id).order_by(Patient.id)).first(),
        "draft": db.session.scalars(select(Invoice.id).where(Invoice.status == "draft")).first(),
        "issued": issued.id, "token": make_token(issued.id),
        "paid": db.session.scalars(select(Invoice.id).where(Invoice.status == "paid")).first(),
        "payment": payment.id,
        "shift": db.session.scalars(select(Shift.id).order_by(Shift.id)).first(),
    }


def violations_on(page, desk, paths, ids):
    found = []
    for path in paths:
        response = page.goto(desk.at(path.format(**ids)))
        assert response.status < 400, f"{path} answered {response.status}"
        found += axe_violations(page)
    return found


def test_every_main_page_has_no_serious_or_critical_accessibility_violation(desk, page, chromium):
    seed_demo()
    ids = demo_ids()
    cashier, admin = (db.session.scalars(select(Staff).where(Staff.role == role)).first()
                      for role in ("cashier", "admin"))

    found = violations_on(page, desk, PUBLIC_PAGES, ids)
    sign_in(page, desk, cashier.email, DEMO_PASSWORD)
    found += violations_on(page, desk, CASHIER_PAGES, ids)
    admin_page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(admin_page, desk, admin.email, DEMO_PASSWORD)
    found += violations_on(admin_page, desk, ADMIN_PAGES, ids)
    admin_page.context.close()
    assert found == [], "\n".join(found)
