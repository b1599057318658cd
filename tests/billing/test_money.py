from decimal import Decimal

import pytest

from billing_desk.billing.money import (
    MAX_AMOUNT_MINOR,
    InvalidAmount,
    check_currency,
    format_money,
    parse_amount,
    percent_of,
    to_major_text,
)


@pytest.mark.parametrize(
    "text, minor",
    [
        ("1500", 150000),
        ("1,500.50", 150050),
        ("  12.5 ", 1250),
        ("0.01", 1),
        (".5", 50),
        ("10000000000", MAX_AMOUNT_MINOR),
        (1500, 150000),
        (Decimal("7.25"), 725),
    ],
)
def test_parse_amount_accepts_money(text, minor):
    assert parse_amount(text) == minor
    assert isinstance(parse_amount(text), int)


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("", "Enter an amount"),
        (None, "Enter an amount"),
        ("   ", "Enter an amount"),
        ("-1", "negative"),
        ("-0.01", "negative"),
        ("0", "more than zero"),
        ("0.00", "more than zero"),
        ("abc", "as a number"),
        ("1 500", "as a number"),
        ("₦1500", "as a number"),
        ("1.234", "at most 2 decimal places"),
        ("0.001", "at most 2 decimal places"),
        ("NaN", "as a number"),
        ("-Infinity", "as a number"),
        ("Infinity", "as a number"),
        ("10000000000.01", "too large"),
        ("99999999999999", "too large"),
        ("9" * 400, "too large"),
    ],
)
def test_parse_amount_refuses_what_is_not_money(text, complaint):
    with pytest.raises(InvalidAmount, match=complaint):
        parse_amount(text)


@pytest.mark.parametrize("text", ["1e3", "1E-2", "1_000", "١٢"])
def test_parse_amount_refuses_number_syntax_a_cashier_would_not_type(text):
    with pytest.raises(InvalidAmount):
        parse_amount(text)


def test_parse_amount_allows_zero_only_when_asked():
    assert parse_amount("0", allow_zero=True) == 0
    with pytest.raises(InvalidAmount):
        parse_amount("-1", allow_zero=True)


@pytest.mark.parametrize(
    "minor, currency, text",
    [
        (150050, "NGN", "₦1,500.50"),
        (150050, "USD", "$1,500.50"),
        (150050, "GHS", "GH₵1,500.50"),
        (150050, "KES", "Ksh1,500.50"),
        (150050, "ZAR", "R1\xa0500,50"),
        (5, "NGN", "₦0.05"),
        (0, "NGN", "₦0.00"),
        (-5, "NGN", "-₦0.05"),
    ],
)
def test_format_money(minor, currency, text):
    assert format_money(minor, currency) == text


@pytest.mark.parametrize("minor, text", [(150050, "1500.50"), (5, "0.05"), (0, "0.00"), (-150, "-1.50")])
def test_to_major_text_round_trips(minor, text):
    assert to_major_text(minor) == text
    if minor > 0:
        assert parse_amount(text) == minor


@pytest.mark.parametrize(
    "minor, basis_points, expected",
    [
        (10000, 1000, 1000),  # 10 %
        (10000, 10000, 10000),  # 100 %
        (0, 1000, 0),
        (15, 5000, 8),  # 7.5 rounds half up
        (14, 5000, 7),
        (1, 4999, 0),
        (999999, 1, 100),  # 99.9999 rounds up
        (MAX_AMOUNT_MINOR, 2500, MAX_AMOUNT_MINOR // 4),
    ],
)
def test_percent_of_rounds_half_up_in_integers(minor, basis_points, expected):
    result = percent_of(minor, basis_points)
    assert result == expected
    assert isinstance(result, int)


@pytest.mark.parametrize("currency", ["NGN", "GHS", "ZAR", "KES", "USD"])
def test_check_currency_accepts_the_desk_currencies(currency):
    assert check_currency(currency) == currency


@pytest.mark.parametrize("currency", ["EUR", "ngn", "", None])
def test_check_currency_refuses_others(currency):
    with pytest.raises(InvalidAmount):
        check_currency(currency)
