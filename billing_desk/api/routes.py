"""The /api/v1 blueprint: API-key authentication (no session, no CSRF), the envelope for every error, the
OpenAPI document and its docs page. The endpoints are in the `resources_*` modules."""
import logging
from importlib import import_module

from flask import Blueprint, g, jsonify, render_template
from werkzeug.exceptions import HTTPException

from billing_desk.api.envelope import ApiError, error_response, http_error_response, request_id
from billing_desk.auth.access import public
from billing_desk.extensions import csrf, db

log = logging.getLogger("billing_desk.api")
bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
RESOURCES = ("resources_patients", "resources_invoices", "resources_money")


@bp.errorhandler(ApiError)
def _api_error(error):
    db.session.rollback()
    g.api_error_code = error.code
    return error_response(error)


@bp.errorhandler(HTTPException)
def _http_error(error):
    db.session.rollback()
    return http_error_response(error)


@bp.errorhandler(Exception)
def _unexpected(error):
    db.session.rollback()
    log.exception("unexpected error in the API request_id=%s", request_id())
    g.api_error_code = "internal_error"
    return error_response(ApiError(500, "internal_error", "Something went wrong; nothing was saved."))


@bp.get("/openapi.json")
@public
def openapi():
    from billing_desk.api.spec import openapi_document

    return jsonify(openapi_document())


@bp.get("/docs")
@public
def docs():
    from billing_desk.api.spec import openapi_document
    from billing_desk.integrations.outbox import EVENTS

    return render_template("api/docs.html", spec=openapi_document(), events=list(EVENTS))


def _register():
    from billing_desk.api.framework import after_api_request, before_api_request

    bp.before_request(before_api_request)
    bp.after_request(after_api_request)
    for module in RESOURCES:
        import_module(f"billing_desk.api.{module}")


_register()
