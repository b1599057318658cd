"""The limits every number and day typed into a URL or a form must fit before it reaches the database.

PostgreSQL refuses an integer beyond its column's range and Python refuses a day past 9999-12-31, and either
refusal used to surface as a 500. So ids, page numbers and days are checked here, once: ids in URLs through
the `id` converter registered on the app, page numbers through `db.paginate` (see `extensions.Database`),
query-string ids through `parse_id`, and days through `forms.DayField`.
"""
import re
from datetime import date

from flask import has_request_context, request
from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2**31 - 1  # ids are PostgreSQL `integer`s: a larger number cannot name a row
MAX_PAGE = 10_000  # a page further than this is a typo, and its OFFSET would scan the whole table
MAX_PER_PAGE = 200
EARLIEST_DAY = date(1900, 1, 1)  # a date of birth can be this old; nothing the desk records is older
LATEST_DAY = date(2999, 12, 31)  # far enough for any due date, and leaves room for `day + timedelta(days=1)`

_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_id(text):
    """The row id `text` names, or None: ASCII digits only (never '²' or '٣'), from 1 up to `MAX_ID`."""
    if not isinstance(text, str) or not _ASCII_DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def bounded_number(text, default, largest):
    """A whole number from 1 to `largest` typed as ASCII digits; `default` for anything else."""
    if not isinstance(text, str) or not _ASCII_DIGITS.fullmatch(text):
        return default
    return min(max(int(text), 1), largest)


def page_number():
    """The `?page=` of this request: 1 for rubbish, at most `MAX_PAGE` however large the number typed."""
    if not has_request_context():
        return 1
    return bounded_number(request.args.get("page"), 1, MAX_PAGE)


class IdConverter(BaseConverter):
    """`<id:invoice_id>`: a row id in a URL. Anything that cannot be an id is a 404, never a database error."""

    regex = r"[0-9]{1,20}"

    def to_python(self, value):
        number = parse_id(value) if len(value) <= 10 else None
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value):
        return str(int(value))
