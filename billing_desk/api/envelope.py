"""The API's one error shape: {"error": {"code", "message", "field"}, "request_id"}, and the request id.

Codes are stable (integrations branch on them); messages are for people and may change. This module
imports nothing of the app so the app-wide error pages can answer /api/v1 paths in the same shape.
"""
import re
import uuid

from flask import g, jsonify, request

API_PREFIX = "/api/v1"
REQUEST_ID_HEADER = "X-Request-Id"
_CALLER_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# HTTP status → the code used when nothing more specific is known.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "refused",
    429: "rate_limited",
    500: "internal_error",
    502: "upstream_error",
}


class ApiError(Exception):
    """An answer other than success; `field` names the input at fault (dotted, e.g. "lines.0.quantity")."""

    def __init__(self, status, code, message, field=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


def is_api_request():
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def request_id():
    """This request's id: the caller's own `X-Request-Id` when it is well-formed, else a new one."""
    if "api_request_id" not in g:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        g.api_request_id = offered if _CALLER_REQUEST_ID.match(offered) else f"req_{uuid.uuid4().hex}"
    return g.api_request_id


def error_response(error):
    body = {"error": {"code": error.code, "message": error.message, "field": error.field},
            "request_id": request_id()}
    response = jsonify(body)
    response.status_code = error.status
    response.headers.update(error.headers)
    response.headers[REQUEST_ID_HEADER] = request_id()
    return response


def http_error_response(error):
    """An HTTPException (unknown URL, wrong method, body too large…) in the envelope, keeping its `Allow`."""
    headers = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else None
    return error_response(ApiError(error.code, STATUS_CODES.get(error.code, "error"), error.description,
                                   headers=headers))
