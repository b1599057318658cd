"""The OpenAPI 3.1 document, built from `framework.OPERATIONS` and the pydantic models they name.

pydantic writes each model's JSON Schema (draft 2020-12, which is OpenAPI 3.1's own dialect, so nothing
is translated); apispec assembles paths, parameters, components and security into the document.
"""
from functools import lru_cache

from apispec import APISpec
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from billing_desk.api import idempotency
from billing_desk.api.envelope import API_PREFIX
from billing_desk.api.framework import OPERATIONS
from billing_desk.api.outputs import ErrorBody
from billing_desk.api.schemas import NoQuery
from billing_desk.bounds import MAX_ID

REF = "#/components/schemas/{model}"
ERROR_WORDS = {
    400: "The request is malformed: bad JSON, an unknown or missing field, a wrong type.",
    401: "No API key, or the key is unknown, revoked or expired.",
    403: "The key lacks the scope this endpoint needs.",
    404: "No such record.",
    409: "The record's state forbids this, or the Idempotency-Key was used for another request.",
    413: "The body is too large.",
    415: "The body is not JSON.",
    422: "A billing rule refused the request; `field` names the input.",
    429: "Too many requests for this key: wait `Retry-After` seconds.",
}
COMMON_ERRORS = (400, 401, 403, 429)
NO_NUL = "^[^\\u0000]*$"
POST_ERRORS = (409, 413, 415)


class TextWithoutNul(GenerateJsonSchema):
    """Every free-text string says it takes no NUL character: the API refuses one by field (no database column
    can store it), so the document must not call such a value valid — generated clients and fuzzers follow it."""

    def str_schema(self, schema):
        result = super().str_schema(schema)
        if "pattern" not in result and "format" not in result:
            result["pattern"] = NO_NUL
        return result


def _without_null(schema):
    """A query parameter is absent rather than null: drop the null branch pydantic adds to optionals."""
    options = [part for part in schema.get("anyOf", []) if part.get("type") != "null"]
    if len(options) == 1:
        rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
        return {**options[0], **rest}
    return {k: v for k, v in schema.items() if k != "default" or v is not None}


def _query_parameters(model, definitions):
    if model is NoQuery:
        return []
    schema = model.model_json_schema(ref_template=REF, schema_generator=TextWithoutNul)
    definitions.update(schema.pop("$defs", {}))
    return [
        {"name": name, "in": "query", "required": name in schema.get("required", ()),
         "schema": _without_null(prop), **({"description": prop["description"]} if "description" in prop else {})}
        for name, prop in schema["properties"].items()
    ]


def _operation(op, refs, definitions):
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
        for name in op.path_params
    ] + _query_parameters(op.query, definitions)
    errors = set(COMMON_ERRORS) | set(op.errors) | ({404} if op.path_params else set())
    if op.method == "POST":
        errors |= set(POST_ERRORS)
        parameters.append({"name": idempotency.HEADER, "in": "header", "required": True,
                           "description": "Your unique key for this request; a retry with the same key and body "
                                          "replays the first answer for 24 hours.",
                           "schema": {"type": "string", "pattern": idempotency.KEY_PATTERN.pattern}})
    responses = {str(op.status): {"description": "Success.",
                                  "content": {"application/json": {"schema": refs[(op.response, "serialization")]}}}}
    for status in sorted(errors):
        responses[str(status)] = {"description": ERROR_WORDS[status],
                                  "content": {"application/json": {"schema": refs[(ErrorBody, "serialization")]}}}
    operation = {"operationId": op.name, "summary": op.summary, "tags": [op.tag], "parameters": parameters,
                 "responses": responses, "description": f"Needs the `{op.scope}` scope."}
    if op.body is not None:
        operation["requestBody"] = {"required": op.body.model_fields != {},
                                    "content": {"application/json": {"schema": refs[(op.body, "validation")]}}}
    return operation


@lru_cache(maxsize=1)
def openapi_document():
    """The whole document as a dict (built once per process: the operations are fixed at import)."""
    models = {(op.response, "serialization") for op in OPERATIONS} | {(ErrorBody, "serialization")}
    models |= {(op.body, "validation") for op in OPERATIONS if op.body is not None}
    refs, top = models_json_schema(sorted(models, key=lambda m: (m[0].__name__, m[1])), ref_template=REF,
                                   schema_generator=TextWithoutNul)
    definitions = dict(top.get("$defs", {}))
    spec = APISpec(
        title="Billing Desk integration API", version="1.0.0", openapi_version="3.1.0",
        info={"description": "JSON API for the hospital's other systems. Amounts are integers in minor units "
                             "with their currency; times are ISO 8601 UTC. See /api/v1/docs."},
        servers=[{"url": "/"}],
    )
    spec.components.security_scheme("apiKey", {"type": "http", "scheme": "bearer",
                                               "description": "An API key made on Admin → Integrations."})
    paths = {}
    for op in OPERATIONS:
        paths.setdefault(API_PREFIX + op.path, {})[op.method.lower()] = _operation(op, refs, definitions)
    for name, schema in sorted(definitions.items()):
        spec.components.schema(name, schema)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["security"] = [{"apiKey": []}]
    return document
