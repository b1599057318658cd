"""Registering, changing and finding patients. Services flush, never commit; the view commits."""
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError

from billing_desk import audit
from billing_desk.billing.states import PAYABLE
from billing_desk.bounds import MAX_PAGE
from billing_desk.extensions import db
from billing_desk.models import Invoice, Patient
from billing_desk.patients.phones import looks_like_phone, search_prefixes

PER_PAGE = 25
MAX_DUPLICATES_SHOWN = 10
MRN_PATTERN = r"^[A-Z0-9][A-Z0-9/-]{2,19}$"
# Generated MRNs are 'H' + the patient id, zero-padded to 7 digits: unique because ids are, with no counter
# to lock. The form refuses typed MRNs of this shape so a typed number can never take a future patient's.
GENERATED_MRN = re.compile(r"^H\d{7,}$")
AUDITED_FIELDS = ("mrn", "first_name", "last_name", "sex", "date_of_birth", "phone", "email", "address")


class MrnTaken(Exception):
    """Another patient already has this hospital number."""


class AlreadySubmitted(Exception):
    """This registration form was saved before (a double submit); `patient` is the one it made."""

    def __init__(self, patient):
        super().__init__(patient.mrn)
        self.patient = patient


def generated_mrn(patient_id):
    return f"H{patient_id:07d}"


def find_by_submission_key(key):
    return db.session.scalars(select(Patient).where(Patient.submission_key == key)).first() if key else None


def _mrn_in_use(mrn, exclude_id=None):
    query = select(Patient.id).where(Patient.mrn == mrn)
    if exclude_id is not None:
        query = query.where(Patient.id != exclude_id)
    return db.session.scalar(query) is not None


def _prefix(column, text):
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(escaped + "%", escape="\\")


def _search_condition(q):
    """Pick the keys `q` can be: an email, a phone number (or a numeric MRN), an MRN, or name words."""
    if "@" in q:
        return _prefix(func.lower(Patient.email), q.lower())
    if looks_like_phone(q):
        phones = [_prefix(Patient.phone, prefix) for prefix in search_prefixes(q)]
        return or_(*phones, _prefix(Patient.mrn, re.sub(r"\s", "", q)))
    words = q.lower().split()
    if len(words) == 1 and any(c.isdigit() for c in q):
        return _prefix(Patient.mrn, q.upper())
    # Every word starts the first or the last name: "ada obi" finds Ada Obi (and Obi Ada).
    names = and_(*(or_(_prefix(func.lower(Patient.first_name), w), _prefix(func.lower(Patient.last_name), w))
                   for w in words))
    return or_(names, Patient.mrn == q.upper()) if len(words) == 1 else names


@dataclass(frozen=True)
class PatientPage:
    """One page of a patient list, without a count: counting a common name's 100,000 matches (or the whole
    table) on every keystroke is what made the list slow, and "more on the next page" is all a desk needs."""

    items: list
    page: int
    has_next: bool

    @property
    def first_number(self):
        return (self.page - 1) * PER_PAGE + 1

    @property
    def last_number(self):
        return self.first_number + len(self.items) - 1


def search_patients(q, page):
    """A page of the patients matching `q` (every patient when `q` is empty), newest registration first.

    Newest first, by primary key, rather than by name: for a common name ("ada", a tenth of the patients)
    PostgreSQL walks the primary key backwards and stops after a page of matches, where a name order had
    to fetch and sort every match (or, walking a name index, read past every name before the match); a rare
    name is found through the prefix indexes and sorts a handful of rows. One row more than a page says
    whether there is a next page.
    """
    q = (q or "").strip()
    query = select(Patient).order_by(Patient.id.desc())
    if q:
        query = query.where(_search_condition(q))
    page = min(max(page, 1), MAX_PAGE)
    rows = db.session.scalars(query.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)).all()
    return PatientPage(items=rows[:PER_PAGE], page=page, has_next=len(rows) > PER_PAGE)


def find_duplicates(details, exclude_id=None):
    """Patients who are probably the same person: the same phone, or the same name and date of birth."""
    likely = []
    if details["phone"]:
        likely.append(Patient.phone == details["phone"])
    if details["date_of_birth"]:
        likely.append(and_(
            func.lower(Patient.last_name) == details["last_name"].lower(),
            func.lower(Patient.first_name) == details["first_name"].lower(),
            Patient.date_of_birth == details["date_of_birth"],
        ))
    if not likely:
        return []
    query = select(Patient).where(or_(*likely)).order_by(Patient.id).limit(MAX_DUPLICATES_SHOWN)
    if exclude_id is not None:
        query = query.where(Patient.id != exclude_id)
    return list(db.session.scalars(query))


def identity_changed(patient, details):
    """Whether an edit changes what `find_duplicates` matches on."""
    return (
        details["phone"] != patient.phone
        or details["date_of_birth"] != patient.date_of_birth
        or details["first_name"].lower() != patient.first_name.lower()
        or details["last_name"].lower() != patient.last_name.lower()
    )


def _snapshot(patient):
    return audit.snapshot(patient, AUDITED_FIELDS)


def register_patient(details, *, submission_key, actor_id):
    """Add a patient, giving an MRN from the id when none was typed.

    Raises `AlreadySubmitted` when this form was already saved and `MrnTaken` on a clashing MRN, also when
    a concurrent request wins the race (the unique constraints decide; the savepoint keeps our transaction).
    """
    earlier = find_by_submission_key(submission_key)
    if earlier is not None:
        raise AlreadySubmitted(earlier)
    if details["mrn"] and _mrn_in_use(details["mrn"]):
        raise MrnTaken(details["mrn"])
    # A unique placeholder until the id, which the generated MRN is made from, is known.
    patient = Patient(**{**details, "mrn": details["mrn"] or f"NEW-{uuid.uuid4().hex[:16]}"},
                      submission_key=submission_key, created_by_id=actor_id)
    try:
        with db.session.begin_nested():
            db.session.add(patient)
    except IntegrityError:
        earlier = find_by_submission_key(submission_key)
        if earlier is not None:
            raise AlreadySubmitted(earlier) from None
        if details["mrn"] and _mrn_in_use(details["mrn"]):
            raise MrnTaken(details["mrn"]) from None
        raise
    if not details["mrn"]:
        patient.mrn = generated_mrn(patient.id)
    db.session.flush()
    audit.record("patient.created", patient, after=_snapshot(patient), actor_id=actor_id, patient_id=patient.id)
    return patient


def update_patient(patient, details, *, actor_id):
    """Apply the edit; returns False (and writes nothing) when nothing changed. Raises `MrnTaken`."""
    details = {**details, "mrn": details["mrn"] or patient.mrn}  # a blank MRN keeps the current one
    before = _snapshot(patient)
    if details["mrn"] != patient.mrn and _mrn_in_use(details["mrn"], exclude_id=patient.id):
        raise MrnTaken(details["mrn"])
    for name, value in details.items():
        setattr(patient, name, value)
    after = _snapshot(patient)
    if after == before:
        return False
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise MrnTaken(details["mrn"]) from None
    audit.record("patient.updated", patient, before=before, after=after, actor_id=actor_id, patient_id=patient.id)
    return True


OPEN_STATUSES = tuple(status.value for status in PAYABLE)


def invoices_of(patient, limit=100):
    """The patient's invoices: those still owing money first, then the rest; newest first within each."""
    still_open = case((Invoice.status.in_(OPEN_STATUSES), 0), else_=1)
    return list(db.session.scalars(
        select(Invoice).where(Invoice.patient_id == patient.id).order_by(still_open, Invoice.id.desc()).limit(limit)
    ))


def balances_of(patient):
    """What the patient owes, per currency, over every issued invoice not yet paid: [(currency, minor, invoices)]."""
    owed = Invoice.total_minor - Invoice.amount_paid_minor - Invoice.amount_refunded_minor
    rows = db.session.execute(
        select(Invoice.currency, func.sum(owed), func.count(Invoice.id))
        .where(Invoice.patient_id == patient.id, Invoice.status.in_(OPEN_STATUSES))
        .group_by(Invoice.currency).order_by(Invoice.currency)
    ).all()
    return [(currency, int(total), count) for currency, total, count in rows if total > 0]
