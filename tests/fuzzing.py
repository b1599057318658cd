"""What the fuzz tests send and how they tell that nothing was written: hostile values, field names taken
from the app's own forms and pages, and a fingerprint of every table."""
import hashlib
import io
import re

from hypothesis import strategies as st
from sqlalchemy import select
from wtforms.fields.core import UnboundField

from billing_desk.extensions import db

# What broke the desk before, and what a careless or hostile client sends.
NASTY = [
    "\x00", "a\x00b", "²", "٣", "¹²³", "9" * 5000, str(2**31), str(2**31 - 1), str(2**63), str(10**30), "-1", "0",
    "9999-12-31", "0001-01-01", "10000-01-01", "2026-02-30", "1900-01-01", "", " ", "x" * 5000, "1e309", "NaN",
    "Infinity", "1,000,000,000,000,000.999", "%00", "<script>alert(1)</script>", "../../etc/passwd", "' OR 1=1 --",
    "\u202e", "\ufeff", "😀" * 100, "a" * 65, "A" * 256, "true", "on", "None", "null", "[]", "{}",
]
hostile_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.tuples(st.sampled_from(NASTY), st.sampled_from(NASTY)).map("".join),
)


def as_file(text):
    """A text value sent as a multipart file part, as a hostile client can for any field."""
    return io.BytesIO(text.encode("utf-8", "surrogatepass")), "field.txt"


hostile_value = st.one_of(hostile_text, hostile_text.map(as_file))

_NAME_ATTRIBUTE = re.compile(r'\sname="([^"]+)"')


def form_field_names():
    """Every field name declared on a WTForms class in billing_desk (the forms themselves decide the fuzz)."""
    import importlib
    import inspect
    import pkgutil

    import billing_desk

    names = set()
    for module_info in pkgutil.walk_packages(billing_desk.__path__, "billing_desk."):
        if not module_info.name.endswith(".forms"):
            continue
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            for klass in cls.__mro__:
                names.update(name for name, value in vars(klass).items() if isinstance(value, UnboundField))
    return names


def names_on_page(html):
    """Field names of the forms a page shows (prefixed and per-row names such as `lines-0-description`)."""
    return {name for name in _NAME_ATTRIBUTE.findall(html) if name != "csrf_token"}


def fingerprint(excluded=()):
    """A digest of every row of every table, but `excluded` ones: equal digests mean nothing was written."""
    digest = hashlib.sha256()
    db.session.rollback()
    for table in db.metadata.sorted_tables:
        if table.name in excluded:
            continue
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digest.update(f"{table.name}:{rows!r}".encode())
    db.session.rollback()
    return digest.hexdigest()
