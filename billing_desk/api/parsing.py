"""Turning a request's JSON body and query string into the endpoint's pydantic model, or an ApiError.

The first problem pydantic finds becomes the error, with `field` naming it; the codes are part of the API.
"""
from flask import request
from pydantic import ValidationError

from billing_desk.api.envelope import ApiError

AMOUNT_HINT = "Amounts are whole numbers of minor units as JSON integers, e.g. 150000 for 1,500.00."
ERROR_CODES = {
    "extra_forbidden": "unknown_field",
    "missing": "missing_field",
    "json_invalid": "invalid_json",
    "int_type": "invalid_type",
    "int_from_float": "invalid_type",
    "string_type": "invalid_type",
    "bool_type": "invalid_type",
    "list_type": "invalid_type",
    "model_type": "invalid_type",
    "model_attributes_type": "invalid_type",
    "dict_type": "invalid_type",
    "date_type": "invalid_type",
}


def _field(loc):
    return ".".join(str(part) for part in loc) or None


def _message(problem, field):
    if problem["type"] == "extra_forbidden":
        return f"Unknown field '{field}'."
    if problem["type"] == "missing":
        return f"'{field}' is required."
    if field and field.endswith("_minor") and problem["type"] in ("int_type", "int_from_float", "int_parsing"):
        return f"{field}: {AMOUNT_HINT}"
    return f"{field}: {problem['msg']}" if field else problem["msg"]


def refusal(error: ValidationError, *, query=False):
    """The ApiError for the first problem in a pydantic ValidationError."""
    problem = error.errors(include_url=False)[0]
    field = _field(problem["loc"])
    if problem["type"] == "json_invalid":
        return ApiError(400, "invalid_json", "The body is not valid JSON.")
    if not field and problem["type"] in ("model_type", "model_attributes_type", "dict_type"):
        return ApiError(400, "invalid_body", "The body must be a JSON object.")
    code = ERROR_CODES.get(problem["type"], "invalid_value")
    if query and code == "unknown_field":
        return ApiError(400, "unknown_parameter", f"Unknown query parameter '{field}'.", field)
    return ApiError(400, code, _message(problem, field), field)


def raw_body():
    """The request body as bytes ('{}' when empty), refusing what is not JSON or too large."""
    raw = request.get_data(cache=True)  # raises 413 past request.max_content_length
    if not raw.strip():
        return b"{}"
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as JSON with 'Content-Type: application/json'.")
    return raw


def _refuse_nul(value, path=()):
    """No database column takes a NUL character: refuse it by field instead of failing on the insert."""
    if isinstance(value, str) and "\x00" in value:
        field = ".".join(str(part) for part in path)
        raise ApiError(400, "invalid_value", f"{field}: text cannot contain NUL characters.", field)
    if isinstance(value, dict):
        for name, item in value.items():
            _refuse_nul(item, (*path, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_nul(item, (*path, index))


def parse_body(model, raw):
    try:
        parsed = model.model_validate_json(raw)
    except ValidationError as error:
        raise refusal(error) from None
    except RecursionError:
        raise ApiError(400, "invalid_json", "The body is nested too deeply.") from None
    _refuse_nul(parsed.model_dump())
    return parsed


def parse_query(model):
    args = request.args
    repeated = next((name for name in args if len(args.getlist(name)) > 1), None)
    if repeated:
        raise ApiError(400, "invalid_value", f"Give '{repeated}' once.", repeated)
    try:
        parsed = model.model_validate(args.to_dict())
    except ValidationError as error:
        raise refusal(error, query=True) from None
    _refuse_nul(parsed.model_dump())
    return parsed
