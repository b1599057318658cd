"""Keys, scopes, the envelope, request ids, idempotency, rate limits and bad input — for every endpoint alike."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from billing_desk.api import keys
from billing_desk.extensions import db
from billing_desk.models import ApiCall, ApiKey, AuditEntry, Patient
from billing_desk.timeutil import utcnow
from tests.api.conftest import error_of, new_key

PATIENT = {"first_name": "Ada", "last_name": "Obi", "sex": "female"}


def test_a_key_is_stored_hashed_and_shown_once(app):
    secret = new_key()
    row = db.session.scalar(select(ApiKey))
    assert secret.startswith("bdk_") and len(secret) > 40
    assert row.key_hash == keys.hash_key(secret) and secret not in (row.key_hash, row.prefix)
    assert secret.startswith(row.prefix)


@pytest.mark.parametrize("authorization, code", [
    (None, "unauthenticated"),
    ("Basic abc", "unauthenticated"),
    ("Bearer bdk_not-a-key", "invalid_api_key"),
])
def test_calls_without_a_valid_key_are_401(client, authorization, code):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/api/v1/patients", headers=headers)
    assert response.status_code == 401
    assert error_of(response) == (code, None)


def test_revoked_and_expired_keys_are_refused(app, api):
    revoked, expired = new_key(name="Old lab"), new_key(name="Trial")
    keys.revoke_key(db.session.scalar(select(ApiKey.id).where(ApiKey.name == "Old lab")), actor_id=None)
    db.session.scalar(select(ApiKey).where(ApiKey.name == "Trial")).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert error_of(api.get("/patients", secret=revoked)) == ("api_key_revoked", None)
    assert error_of(api.get("/patients", secret=expired)) == ("api_key_expired", None)
    assert api.get("/patients").status_code == 200


def test_a_key_that_has_not_expired_yet_works(app, api):
    secret = new_key(expires_at=utcnow() + timedelta(days=1))
    assert api.get("/patients", secret=secret).status_code == 200


def test_scopes(app, api):
    reader, writer = new_key(("read",), name="Reports"), new_key(("write",), name="Orders")
    refused = api.post("/patients", PATIENT, secret=reader)
    assert refused.status_code == 403 and error_of(refused) == ("insufficient_scope", None)
    assert db.session.scalar(select(Patient)) is None
    assert api.get("/patients", secret=reader).status_code == 200
    assert api.post("/patients", PATIENT, secret=writer).status_code == 201
    assert api.get("/patients", secret=writer).status_code == 200  # write includes read


def test_a_signed_in_browser_session_never_authenticates_the_api(admin_client):
    response = admin_client.get("/api/v1/patients")
    assert response.status_code == 401 and error_of(response) == ("unauthenticated", None)
    assert "Set-Cookie" not in response.headers


def test_the_api_needs_no_csrf_token_and_audits_with_the_keys_name(app, api, admin_client):
    assert app.config.get("WTF_CSRF_ENABLED", True)
    response = api.post("/patients", PATIENT)
    assert response.status_code == 201
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "patient.created"))
    assert entry.actor_id is None
    assert entry.note == f"By API key “Hospital EMR” (request {response.headers['X-Request-Id']})"


def test_every_call_is_recorded_with_its_request_id_and_the_keys_last_use(app, api):
    ok = api.get("/patients")
    missing = api.get("/patients/999")
    calls = db.session.scalars(select(ApiCall).order_by(ApiCall.id)).all()
    assert [(c.method, c.path, c.status_code, c.error_code) for c in calls] == [
        ("GET", "/api/v1/patients", 200, None), ("GET", "/api/v1/patients/999", 404, "not_found")]
    assert [c.request_id for c in calls] == [ok.headers["X-Request-Id"], missing.headers["X-Request-Id"]]
    assert db.session.scalar(select(ApiKey)).last_used_at is not None


def test_a_callers_request_id_is_kept(api):
    response = api.client.get("/api/v1/patients", headers=api.headers({"X-Request-Id": "emr-4711-abcdef"}))
    assert response.headers["X-Request-Id"] == "emr-4711-abcdef"


@pytest.mark.parametrize("method, path, status, code", [
    ("get", "/api/v1/nothing-here", 404, "not_found"),
    ("get", "/api/v1/invoices/123", 404, "not_found"),
    ("get", "/api/v1/invoices/99999999999", 404, "not_found"),
    ("delete", "/api/v1/invoices", 405, "method_not_allowed"),
])
def test_unknown_urls_ids_and_methods_answer_in_the_envelope(api, method, path, status, code):
    response = getattr(api.client, method)(path, headers=api.headers())
    assert response.status_code == status
    assert error_of(response)[0] == code


@pytest.mark.parametrize("body, code, field", [
    ({**PATIENT, "nickname": "Ade"}, "unknown_field", "nickname"),
    ({"last_name": "Obi"}, "missing_field", "first_name"),
    ({**PATIENT, "sex": "robot"}, "invalid_value", "sex"),
    ({**PATIENT, "first_name": 7}, "invalid_type", "first_name"),
    ({**PATIENT, "date_of_birth": "31/01/1990"}, "invalid_value", "date_of_birth"),
])
def test_bad_bodies_are_refused_with_the_field(api, body, code, field):
    response = api.post("/patients", body)
    assert response.status_code == 400
    assert error_of(response) == (code, field)


@pytest.mark.parametrize("amount", ["150000", 1500.0, 1500.5, True, [1500]])
def test_amounts_must_be_json_integers(api, amount):
    body = {"patient_id": 1, "lines": [{"description": "Dressing", "unit_price_minor": amount}]}
    response = api.post("/invoices", body)
    assert response.status_code == 400
    code, field = error_of(response)
    assert field == "lines.0.unit_price_minor" and code in ("invalid_type",)


@pytest.mark.parametrize("raw, content_type, status, code", [
    ("{not json", "application/json", 400, "invalid_json"),
    ("[1, 2]", "application/json", 400, "invalid_body"),
    ('"text"', "application/json", 400, "invalid_body"),
    ("first_name=Ada", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ("[" * 5000 + "]" * 5000, "application/json", 400, "invalid_json"),
])
def test_bodies_that_are_not_json_objects(api, raw, content_type, status, code):
    response = api.client.post("/api/v1/patients", data=raw, content_type=content_type,
                               headers=api.headers({"Idempotency-Key": "k1"}))
    assert response.status_code == status
    assert error_of(response)[0] == code


def test_oversized_bodies_are_413(app, api):
    big = {**PATIENT, "address": "x" * (app.config["API_MAX_BODY_BYTES"] + 1)}
    response = api.post("/patients", big)
    assert response.status_code == 413 and error_of(response)[0] == "payload_too_large"


def test_unknown_query_parameters_are_refused(api):
    response = api.get("/invoices", colour="blue")
    assert response.status_code == 400 and error_of(response) == ("unknown_parameter", "colour")
    assert error_of(api.get("/terminals", page="2")) == ("unknown_parameter", "page")
    assert error_of(api.get("/invoices", limit="lots")) == ("invalid_value", "limit")


def test_post_needs_an_idempotency_key(api):
    response = api.client.post("/api/v1/patients", json=PATIENT, headers=api.headers())
    assert response.status_code == 400 and error_of(response) == ("idempotency_key_required", "Idempotency-Key")


def test_the_same_key_and_body_replay_the_first_answer(api):
    first = api.post("/patients", PATIENT, key="emr-order-1")
    again = api.post("/patients", PATIENT, key="emr-order-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert db.session.query(Patient).count() == 1


def test_the_same_key_with_another_body_or_endpoint_is_409(api):
    assert api.post("/patients", PATIENT, key="emr-order-2").status_code == 201
    other = api.post("/patients", {**PATIENT, "first_name": "Bola"}, key="emr-order-2")
    assert other.status_code == 409 and error_of(other) == ("idempotency_key_reused", None)
    elsewhere = api.post("/invoices/1/issue", {}, key="emr-order-2")
    assert elsewhere.status_code == 409
    assert db.session.query(Patient).count() == 1


def test_keys_are_per_api_key_and_forgotten_after_24_hours(app, api):
    from billing_desk.models import IdempotentResponse

    other = new_key(name="Lab")
    assert api.post("/patients", PATIENT, key="shared").status_code == 201
    assert api.post("/patients", {**PATIENT, "mrn": "LAB-1"}, key="shared", secret=other).status_code == 201
    db.session.query(IdempotentResponse).update({"created_at": utcnow() - timedelta(hours=25)})
    db.session.commit()
    again = api.post("/patients", {**PATIENT, "first_name": "Bola"}, key="shared")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers


def test_a_refused_request_keeps_no_key_and_can_be_sent_again(api):
    assert api.post("/patients", {**PATIENT, "phone": "12"}, key="retry-me").status_code == 422
    assert api.post("/patients", PATIENT, key="retry-me").status_code == 201


def test_rate_limit_per_key_with_retry_after(app, api):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    assert [api.get("/patients").status_code for _ in range(3)] == [200, 200, 200]
    limited = api.get("/patients")
    assert limited.status_code == 429 and error_of(limited) == ("rate_limited", None)
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert api.get("/patients", secret=new_key(name="Other")).status_code == 200  # per key


def test_a_wrong_method_says_which_are_allowed(api):
    response = api.client.put("/api/v1/invoices", headers=api.headers())
    assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_a_post_to_an_unknown_api_url_is_404_not_a_csrf_page(api):
    response = api.post("/nothing-here", {})
    assert response.status_code == 404 and error_of(response) == ("not_found", None)


def test_nul_characters_are_refused_by_field(api):
    assert error_of(api.post("/patients", {**PATIENT, "address": "1 Marina\x00Road"})) == ("invalid_value", "address")
    assert error_of(api.get("/patients", q="ada\x00")) == ("invalid_value", "q")


def test_calls_are_served_when_the_rate_limit_store_is_down(app, api, monkeypatch, caplog):
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    from billing_desk.extensions import limiter

    dead_redis = FixedWindowRateLimiter(storage_from_string("redis://127.0.0.1:9", socket_connect_timeout=0.2))
    monkeypatch.setattr(limiter, "_limiter", dead_redis)
    assert api.get("/patients").status_code == 200
    assert "rate limit store unavailable" in caplog.text
