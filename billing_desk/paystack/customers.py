"""The patient's Paystack customer: made once, stored on the patient."""
import logging
import re

from flask import current_app
from sqlalchemy import select

from billing_desk import audit
from billing_desk.extensions import db
from billing_desk.models import Patient
from billing_desk.paystack.client import get_client
from billing_desk.paystack.errors import PaystackAuthError, PaystackNotFound, PaystackRejected
from billing_desk.paystack.coerce import as_int

log = logging.getLogger(__name__)


def generated_email(patient):
    """A stable address for a patient without a usable one (Paystack requires an email): `<mrn>@domain`."""
    local = re.sub(r"[^a-z0-9._-]+", "-", patient.mrn.strip().lower()).strip("-.") or f"patient-{patient.id}"
    return f"{local}@{current_app.config['PATIENT_EMAIL_DOMAIN']}"


def ensure_customer(patient_id):
    """The patient's Paystack customer code, made once and stored on the patient (flushes).

    Paystack keys customers by email and answers a create for a known email with the existing customer, so
    two patients sharing an address (a family's) would share a customer. A patient whose address is taken by
    another patient's customer, or refused by Paystack, gets the generated address.
    """
    patient = db.session.get(Patient, patient_id)
    if patient.paystack_customer_code:
        return patient.paystack_customer_code
    customer = _customer_for_own_address(patient) if patient.email else None
    if customer is None:
        customer = _fetch_or_create_customer(patient, generated_email(patient))
    patient.paystack_customer_code = customer["customer_code"]
    patient.paystack_customer_id = as_int(customer.get("id"))
    audit.record("patient.paystack_customer", patient, actor_id=audit.SYSTEM, patient_id=patient.id, after={
        "paystack_customer_code": patient.paystack_customer_code, "email": customer.get("email"),
    })
    db.session.flush()
    return patient.paystack_customer_code


def _customer_for_own_address(patient):
    try:
        customer = _fetch_or_create_customer(patient, patient.email.strip().lower())
    except PaystackRejected as refused:
        if isinstance(refused, PaystackAuthError):
            raise
        log.warning("patient %s: Paystack refused the address (%s); using the generated one", patient.id,
                    refused.paystack_message)
        return None
    return None if _code_taken(customer["customer_code"], patient.id) else customer


def _fetch_or_create_customer(patient, email):
    """Fetch first: a create is not promised to be idempotent (only reported so), a fetch is."""
    client = get_client()
    try:
        return client.fetch_customer(email)
    except PaystackNotFound:
        return client.create_customer(
            email, first_name=patient.first_name, last_name=patient.last_name, phone=patient.phone,
            metadata={"mrn": patient.mrn},
        )


def _code_taken(code, patient_id):
    return db.session.execute(
        select(Patient.id).where(Patient.paystack_customer_code == code, Patient.id != patient_id)
    ).first() is not None
