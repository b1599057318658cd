"""Phone numbers stored one way, so the same number typed differently is found and flagged as a duplicate.

The stored form is E.164-like: `+` and 7–15 digits, e.g. '0803 123 4567' → '+2348031234567'.
The desk is in Nigeria, so a number typed without `+` or `00` is read as a Nigerian number: a leading 0
(the trunk prefix) becomes +234, '234…' gets its '+', and any other digits get +234 in front.
"""
import re

HOME_COUNTRY_CODE = "234"
MIN_DIGITS = 7
MAX_DIGITS = 15  # the E.164 maximum, country code included
_TYPED = re.compile(r"^\+?[\d\s().-]+$")


class InvalidPhone(ValueError):
    """The message is fit to show the person who typed the number."""


def _international(text):
    """(digits, True) when the number was typed with its country code, else (digits, False)."""
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        return digits, True
    if digits.startswith("00"):
        return digits[2:], True
    return digits, False


def _with_country_code(digits, international):
    if international:
        return digits
    if digits.startswith("0"):
        return HOME_COUNTRY_CODE + digits[1:]
    if digits.startswith(HOME_COUNTRY_CODE) and len(digits) == 13:
        return digits
    return HOME_COUNTRY_CODE + digits


def normalise_phone(text):
    """The stored form of a typed phone number, or None for an empty one; raises `InvalidPhone`."""
    text = (text or "").strip()
    if not text:
        return None
    if not _TYPED.match(text):
        raise InvalidPhone("Use digits only, with an optional + in front (spaces and dashes are fine).")
    digits, international = _international(text)
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise InvalidPhone(f"A phone number has {MIN_DIGITS} to {MAX_DIGITS} digits.")
    full = _with_country_code(digits, international)
    if len(full) > MAX_DIGITS:
        raise InvalidPhone(f"With the country code that is more than {MAX_DIGITS} digits; check the number.")
    return "+" + full


def looks_like_phone(text):
    return bool(_TYPED.match(text)) and sum(c.isdigit() for c in text) >= 3


def search_prefixes(text):
    """Stored-form prefixes a partly typed number may start with ('0803' → '+234803')."""
    digits, international = _international(text.strip())
    if international or digits.startswith("0"):
        return ["+" + _with_country_code(digits, international)]
    # '803…' (trunk 0 left off) or '44…' (a foreign number typed without its '+'): try both.
    return ["+" + HOME_COUNTRY_CODE + digits, "+" + digits]
