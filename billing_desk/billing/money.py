"""Money as integers of minor units (kobo, pesewas, cents) with a currency; never floats.

Amounts typed by people are parsed with `Decimal` from text, checked, and turned into minor units.
"""
import re
from decimal import Decimal

from babel.numbers import format_currency

# Every currency the desk accepts has 100 minor units to the major unit.
CURRENCIES = ("NGN", "GHS", "ZAR", "KES", "USD")
DEFAULT_CURRENCY = "NGN"
MINOR_DIGITS = 2
MINOR_PER_MAJOR = 10**MINOR_DIGITS
# 10 billion in major units: above any real hospital bill, below where a typo becomes plausible.
MAX_AMOUNT_MINOR = 10_000_000_000 * MINOR_PER_MAJOR
# What a person types: ASCII digits, an optional minus sign and decimal point, nothing else (no 1e3, 1_000).
_AMOUNT_TEXT = re.compile(r"-?[0-9]+(\.[0-9]*)?|-?\.[0-9]+")
_LOCALES = {"NGN": "en_NG", "GHS": "en_GH", "ZAR": "en_ZA", "KES": "en_KE", "USD": "en_US"}


class InvalidAmount(ValueError):
    """A typed amount that cannot be money; the message is fit to show the person who typed it."""


def check_currency(currency):
    if currency not in CURRENCIES:
        raise InvalidAmount(f"Currency must be one of {', '.join(CURRENCIES)}.")
    return currency


def parse_amount(text, *, allow_zero=False):
    """Turn '1,500.50' into 150050 minor units, refusing anything that is not a sensible amount."""
    cleaned = str(text if text is not None else "").strip().replace(",", "")
    if not cleaned:
        raise InvalidAmount("Enter an amount.")
    if not _AMOUNT_TEXT.fullmatch(cleaned):
        raise InvalidAmount("Enter the amount as a number, e.g. 1500 or 1500.50.")
    value = Decimal(cleaned)
    if value.as_tuple().exponent < -MINOR_DIGITS:
        raise InvalidAmount(f"Use at most {MINOR_DIGITS} decimal places.")
    if value < 0:
        raise InvalidAmount("The amount cannot be negative.")
    if value == 0 and not allow_zero:
        raise InvalidAmount("The amount must be more than zero.")
    minor = int(value * MINOR_PER_MAJOR)
    if minor > MAX_AMOUNT_MINOR:
        raise InvalidAmount("That amount is too large.")
    return minor


def to_major_text(minor):
    """150050 → '1500.50', the form an amount is typed back into a form."""
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(int(minor)), MINOR_PER_MAJOR)
    return f"{sign}{whole}.{cents:0{MINOR_DIGITS}d}"


def locale_for(currency):
    """The locale amounts in `currency` are written in ('en_NG'), also used by the browser's live totals."""
    return _LOCALES.get(currency, "en_US")


def format_money(minor, currency):
    """150050, 'NGN' → '₦1,500.50' for people to read."""
    major = Decimal(int(minor)).scaleb(-MINOR_DIGITS)
    return format_currency(major, currency, locale=locale_for(currency))


def percent_of(minor, basis_points):
    """`basis_points` (1/100 of a percent) of an amount, rounded half up to a whole minor unit."""
    return (int(minor) * int(basis_points) + 5_000) // 10_000
