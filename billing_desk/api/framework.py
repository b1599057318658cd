"""How every /api/v1 endpoint runs: key and scope, rate limit, query and body models, idempotency, one commit.

An endpoint is a plain function taking its path ids and the parsed `query` / `body` models and returning an
output model (or `(model, status)`); it flushes through the domain services and never commits. `endpoint`
records it in `OPERATIONS`, from which `spec` builds the OpenAPI document, so the document cannot drift
from what the code accepts and returns.
"""
import logging
import math
import re
import time
from dataclasses import dataclass

from flask import Response, current_app, g, has_request_context, request
from limits import parse as parse_limit
from sqlalchemy import event
from sqlalchemy.orm import Session

from billing_desk.api import idempotency, keys
from billing_desk.api.envelope import REQUEST_ID_HEADER, ApiError, request_id
from billing_desk.api.parsing import parse_body, parse_query, raw_body
from billing_desk.api.schemas import NoQuery
from billing_desk.bounds import MAX_ID
from billing_desk.auth.access import public
from billing_desk.billing.invoices import InvoiceConflict, InvoiceRefused
from billing_desk.extensions import db, limiter
from billing_desk.models import ApiCall, AuditEntry

log = logging.getLogger("billing_desk.api")
OPERATIONS = []
# The invoice rules name fields as the desk's form does; the API's JSON names them like this.
DOMAIN_FIELDS = {"unit_price": "unit_price_minor", "discount": "discount_minor", "service": "service_code",
                 "invoice_discount": "invoice_discount_minor", "patient": "patient_id"}


@dataclass(frozen=True)
class Operation:
    rule: str
    method: str
    name: str
    summary: str
    tag: str
    response: type
    status: int = 200
    body: type | None = None
    query: type = NoQuery
    errors: tuple = ()

    @property
    def scope(self):
        return "read" if self.method == "GET" else "write"

    @property
    def path(self):
        """The rule in OpenAPI's spelling: <int:invoice_id> → {invoice_id}."""
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)

    @property
    def path_params(self):
        return re.findall(r"<(?:\w+:)?(\w+)>", self.rule)


def endpoint(bp, rule, method, **options):
    """Register `view` at `rule` on the API blueprint and in the OpenAPI document."""

    def decorator(view):
        operation = Operation(rule=rule, method=method, name=view.__name__, **options)
        OPERATIONS.append(operation)

        def run(**path_args):
            return _run(operation, view, path_args)

        run.__name__, run.__doc__ = view.__name__, view.__doc__
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=public(run), methods=[method])
        return view

    return decorator


def _rate_limit(key):
    limit = parse_limit(current_app.config["API_RATE_LIMIT"])
    if limiter.limiter.hit(limit, "api-key", str(key.id)):
        return
    reset_at = limiter.limiter.get_window_stats(limit, "api-key", str(key.id)).reset_time
    wait = max(1, math.ceil(reset_at - time.time()))
    raise ApiError(429, "rate_limited", f"Too many requests for this key; try again in {wait} s.",
                   headers={"Retry-After": str(wait)})


def _call_view(view, path_args, kwargs):
    """Run the endpoint, turning the invoice rules' refusals into the API's codes."""
    if any(value > MAX_ID for value in path_args.values()):
        raise ApiError(404, "not_found", "There is no such record.")
    try:
        return view(**path_args, **kwargs)
    except InvoiceConflict as conflict:
        raise ApiError(409, "invalid_state", str(conflict)) from None
    except InvoiceRefused as refused:
        problem = refused.problems[0] if refused.problems else None
        field = None
        if problem is not None:
            name = DOMAIN_FIELDS.get(problem.field, problem.field)
            field = name if problem.line is None else f"lines.{problem.line}.{name}"
        raise ApiError(422, "refused", str(refused), field) from None


def _run(operation, view, path_args):
    key = keys.authenticate(request.headers.get("Authorization"), operation.scope)
    g.api_key = key
    _rate_limit(key)
    query = parse_query(operation.query)  # also refuses parameters where an endpoint takes none
    kwargs = {} if operation.query is NoQuery else {"query": query}
    claim = None
    if operation.method == "POST":
        raw = raw_body()
        if operation.body is not None:
            kwargs["body"] = parse_body(operation.body, raw)
        replay, claim = idempotency.begin(key.id, raw)
        if replay is not None:
            response = Response(replay[1], replay[0], mimetype="application/json")
            response.headers["Idempotent-Replayed"] = "true"
            return response
    result = _call_view(view, path_args, kwargs)
    model, status = result if isinstance(result, tuple) else (result, operation.status)
    body = model.model_dump_json()
    if claim is not None:
        idempotency.remember(claim, status, body)
    db.session.commit()
    return Response(body, status, mimetype="application/json")


def before_api_request():
    """No session cookie ever stands for anyone here (the API authenticates by key alone), and bodies are capped."""
    g._login_user = current_app.login_manager.anonymous_user()
    request.max_content_length = current_app.config["API_MAX_BODY_BYTES"]
    request_id()


def after_api_request(response):
    """Every call is logged with its request id and, once the key is known, kept as an ApiCall row."""
    response.headers[REQUEST_ID_HEADER] = request_id()
    key = g.get("api_key")
    error_code = g.get("api_error_code")
    log.info("api %s %s -> %s key=%s request_id=%s", request.method, request.path, response.status_code,
             key.name if key else "-", request_id())
    if key is not None:
        try:
            db.session.add(ApiCall(api_key_id=key.id, request_id=request_id(), method=request.method,
                                   path=request.path[:255], status_code=response.status_code, error_code=error_code))
            keys.touch(key)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("could not record API call request_id=%s", request_id())
    return response


@event.listens_for(Session, "before_flush")
def _name_the_key_in_audit_rows(session, _context, _instances):
    """Audit rows written during an API call say which key made the change (they have no staff actor)."""
    if not has_request_context() or g.get("api_key") is None:
        return
    for entry in session.new:
        if isinstance(entry, AuditEntry) and entry.note is None:
            entry.note = f"By API key “{g.api_key.name}” (request {request_id()})"
