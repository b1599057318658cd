"""/api/v1/patients (with their accounts) and /api/v1/services: the desk's own rules, reached by JSON.

A patient is checked by the desk's own `PatientForm` (names, sex, date of birth, phone, email, MRN), so an
integration meets exactly the rules a cashier does; the duplicate warning is the desk's, not the API's:
an integration identifies patients by hospital number.
"""
from datetime import date

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from billing_desk.api.envelope import ApiError
from billing_desk.api.framework import endpoint
from billing_desk.api.pages import filtered_page, keyset_page, load_or_404
from billing_desk.api.routes import bp
from billing_desk.accounts import ledger
from billing_desk.api.outputs import AccountBalanceOut, AccountOut, DepositPage, PatientOut, PatientPage, ServicePage
from billing_desk.api.schemas import PageQuery, PatientIn, PatientQuery, ServiceQuery
from billing_desk.catalog.service import matching_services
from billing_desk.extensions import db
from billing_desk.models import AccountEntry, Patient, Service
from billing_desk.patients import service as patients
from billing_desk.patients.forms import PatientForm


def _checked_details(body, current_mrn=None):
    """The body through the desk's patient form: its cleaned details, or a 422 naming the field."""
    # As typed text, the way the form's own filters and "optional" checks expect it.
    typed = MultiDict({name: value.isoformat() if isinstance(value, date) else value
                       for name, value in body.model_dump().items() if value is not None})
    form = PatientForm(formdata=typed, meta={"csrf": False})
    form.current_mrn = current_mrn
    if not form.validate():
        field, messages = next((name, errors) for name, errors in form.errors.items() if errors)
        raise ApiError(422, "refused", messages[0], field)
    return form.details()


def _mrn_taken():
    return ApiError(409, "mrn_taken", "Another patient already has this hospital number.", "mrn")


@endpoint(bp, "/patients", "POST", summary="Create a patient, or update the one with this hospital number",
          tag="Patients", body=PatientIn, response=PatientOut, status=201, errors=(422,))
def put_patient(body):
    existing = db.session.scalar(select(Patient).where(Patient.mrn == body.mrn.strip().upper())) if body.mrn else None
    try:
        if existing is None:
            patient = patients.register_patient(_checked_details(body), submission_key=None, actor_id=None)
            return PatientOut.model_validate(patient), 201
        patients.update_patient(existing, _checked_details(body, existing.mrn), actor_id=None)
    except patients.MrnTaken:
        raise _mrn_taken() from None
    return PatientOut.model_validate(existing), 200


@endpoint(bp, "/patients", "GET", summary="Search patients by name, phone, email or hospital number",
          tag="Patients", query=PatientQuery, response=PatientPage)
def search_patients(query):
    if query.mrn is not None:
        found = db.session.scalar(select(Patient).where(Patient.mrn == query.mrn.strip().upper()))
        return PatientPage(data=[PatientOut.model_validate(found)] if found else [], page=1, has_more=False)
    page = patients.search_patients(query.q or "", query.page)
    return PatientPage(data=[PatientOut.model_validate(p) for p in page.items], page=query.page, has_more=page.has_next)


@endpoint(bp, "/patients/<int:patient_id>", "GET", summary="Get a patient", tag="Patients", response=PatientOut)
def get_patient(patient_id):
    return PatientOut.model_validate(load_or_404(Patient, patient_id))


@endpoint(bp, "/services", "GET", summary="The price list", tag="Services", query=ServiceQuery,
          response=ServicePage)
def list_services(query):
    statement = matching_services(query.q, active_only=not query.include_inactive).order_by(None)
    return keyset_page(statement, Service, query, ServicePage)


@endpoint(bp, "/patients/<int:patient_id>/account", "GET", summary="The patient's account balance, per currency",
          tag="Accounts", response=AccountOut)
def get_account(patient_id):
    load_or_404(Patient, patient_id, "patient")
    balances = [AccountBalanceOut.model_validate(summary) for summary in ledger.summaries(patient_id).values()]
    return AccountOut(patient_id=patient_id, balances=balances)


@endpoint(bp, "/patients/<int:patient_id>/deposits", "GET", summary="Deposits paid into the patient's account",
          tag="Accounts", query=PageQuery, response=DepositPage)
def list_deposits(patient_id, query):
    load_or_404(Patient, patient_id, "patient")
    return filtered_page(AccountEntry, DepositPage, query,
                         equal=((AccountEntry.patient_id, patient_id), (AccountEntry.kind, ledger.DEPOSIT)))
