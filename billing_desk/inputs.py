"""The one guard for input no view can store: NUL characters, and files sent where text is expected.

PostgreSQL refuses a NUL character in any text, and a file part sent under a text field's name reaches the
form as a file object instead of a string; both used to end in a 500 deep inside a view, sometimes after it
had already talked to Paystack. This guard runs before every view and refuses such a request with a 400
that says why, so nothing is read, written or sent. Query strings, form fields, path values and JSON bodies
are all checked. A view that stores a raw body as it came (the Paystack webhook) is marked `@raw_body` and
checks its own input; a view that really takes uploads is marked `@accepts_files`.
"""
from flask import abort, current_app, request

NUL = "\x00"
NUL_REFUSED = "The request contained a character that cannot be stored (a NUL byte). Please retype the text."
FILES_REFUSED = "This form takes text, not files. Please fill in the form on the page and send it again."


def raw_body(view):
    """Mark a view that validates and stores its own raw body (it is not checked here)."""
    view.raw_body = True
    return view


def accepts_files(view):
    """Mark a view whose form has file fields."""
    view.accepts_files = True
    return view


def _has_nul(value):
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _text_values():
    yield from request.args.keys()
    yield from request.args.values()
    yield from (request.view_args or {}).values()
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        yield from request.form.keys()
        yield from request.form.values()


def refuse_unstorable_input():
    """`before_request`: a 400 for a NUL anywhere in the request's text or a file part the view cannot take."""
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "raw_body", False):
        return
    if any(_has_nul(value) for value in _text_values()):
        abort(400, NUL_REFUSED)
    if request.files and not getattr(view, "accepts_files", False):
        abort(400, FILES_REFUSED)
    if request.is_json and _has_nul(request.get_json(silent=True)):
        abort(400, NUL_REFUSED)
