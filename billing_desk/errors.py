"""Error pages: a clear message for every 4xx, and a rolled-back session behind every 500."""
import logging

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from billing_desk.api.envelope import http_error_response, is_api_request
from billing_desk.extensions import db

log = logging.getLogger(__name__)


def _wants_json():
    return request.accept_mimetypes.best == "application/json" or request.path.startswith(
        ("/paystack/", "/api/")
    ) or request.is_json


def _render(code, title, message):
    if _wants_json():
        return jsonify({"error": title, "message": message}), code
    return render_template("errors.html", code=code, title=title, message=message), code


def register(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, "Form expired", "The form was out of date. Please go back, reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error):
        if is_api_request():  # the integration API answers in its own envelope, even for unknown URLs
            return http_error_response(error)
        return _render(error.code, error.name, error.description)

    @app.errorhandler(Exception)
    def server_error(error):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        if is_api_request():
            return http_error_response(InternalServerError("Something went wrong; nothing was saved."))
        return _render(500, "Something went wrong", "Nothing was saved. Please try again; if it keeps happening, tell an administrator.")
