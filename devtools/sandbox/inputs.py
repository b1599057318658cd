"""Reading request input the way Paystack accepts it: JSON or form-encoded bodies, loosely typed values."""
import json
import re
from decimal import Decimal, InvalidOperation

from flask import request

from devtools.sandbox.common import validation_error

_BRACKETS = re.compile(r"\[([^\]]*)\]")
TRUE_WORDS = {"true", "1", "yes", "on"}
FALSE_WORDS = {"false", "0", "no", "off", ""}


def read_body():
    """The request body as a dict, whether it came as JSON or as `application/x-www-form-urlencoded`.

    Form bodies may nest with brackets (`line_items[0][amount]=5000`, `data[id]=7`); a form value that holds
    JSON (`line_items=[{...}]`) is decoded. An empty or unreadable body is an empty dict.
    """
    if request.mimetype == "application/x-www-form-urlencoded" or request.mimetype == "multipart/form-data":
        return _nest_form(request.form)
    body = request.get_json(force=True, silent=True)
    return body if isinstance(body, dict) else {}


def _nest_form(form):
    root = {}
    for key in form:
        values = form.getlist(key)
        head, _, rest = key.partition("[")
        path = [head] + (_BRACKETS.findall("[" + rest) if rest else [])
        if path[-1] == "":
            path, value = path[:-1], [_maybe_json(v) for v in values]
        else:
            value = _maybe_json(values[-1])
        node = root
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return _lists_from_numbered_dicts(root)


def _lists_from_numbered_dicts(value):
    if isinstance(value, dict):
        converted = {k: _lists_from_numbered_dicts(v) for k, v in value.items()}
        if converted and all(k.isdigit() for k in converted):
            return [converted[k] for k in sorted(converted, key=int)]
        return converted
    if isinstance(value, list):
        return [_lists_from_numbered_dicts(v) for v in value]
    return value


def _maybe_json(text):
    stripped = text.strip()
    if stripped[:1] in ("[", "{"):
        try:
            return json.loads(stripped)
        except ValueError:
            return text
    return text


def as_int(value, field):
    """An integer from an int, an integral float or a numeric string; a validation error otherwise."""
    if isinstance(value, bool):
        raise validation_error(f"{field} should be an integer")
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise validation_error(f"{field} should be an integer") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise validation_error(f"{field} should be an integer")
    return int(number)


def as_bool(value, field, default):
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise validation_error(f"{field} should be a boolean")


def as_object(value, field="metadata"):
    """Metadata may arrive as an object or as stringified JSON (the OAS says the latter); keep an object."""
    if value is None or isinstance(value, dict):
        return value
    decoded = _maybe_json(value) if isinstance(value, str) else value
    if not isinstance(decoded, dict):
        raise validation_error(f"{field} should be a JSON object")
    return decoded


def query_int(name, default, minimum=1, aliases=()):
    for key in (name, *aliases):
        if request.args.get(key) not in (None, ""):
            return max(minimum, as_int(request.args[key], key))
    return default
