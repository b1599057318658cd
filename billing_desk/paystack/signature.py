"""Paystack webhook signatures: lowercase hex HMAC-SHA512 of the raw request body, keyed with the secret key.

Always sign/verify the exact bytes that travel on the wire (Flask: `request.get_data()`), never a
re-serialised JSON document: spacing, key order and escaping would change the digest.
"""
import hashlib
import hmac


def sign(raw_body: bytes, secret_key: str) -> str:
    """The value Paystack puts in the `x-paystack-signature` header for `raw_body`."""
    return hmac.new(secret_key.encode("utf-8"), raw_body, hashlib.sha512).hexdigest()


def is_valid(raw_body: bytes, header_value: str | None, secret_key: str) -> bool:
    """True when `header_value` is the signature of `raw_body` under `secret_key` (constant-time compare)."""
    if not header_value or not secret_key:
        return False
    expected = sign(raw_body, secret_key).encode("ascii")
    # Bytes, not str: compare_digest refuses non-ASCII str, and a header is attacker-controlled.
    return hmac.compare_digest(expected, header_value.strip().lower().encode("utf-8"))
