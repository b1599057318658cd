import pytest

from billing_desk.patients.phones import InvalidPhone, normalise_phone, search_prefixes


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("0803 123 4567", "+2348031234567"),
        ("0803-123-4567", "+2348031234567"),
        ("+234 803 123 4567", "+2348031234567"),
        ("2348031234567", "+2348031234567"),
        ("8031234567", "+2348031234567"),
        ("00233 20 123 4567", "+233201234567"),
        ("+44 (20) 7946 0958", "+442079460958"),
        ("", None),
        ("   ", None),
    ],
)
def test_phones_are_stored_in_one_form(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["0803 12", "+1234567890123456", "0803x1234567", "phone", "0803 123 4567 ext 2",
                                   "+234 0803 123 4567 999"])
def test_impossible_phones_are_refused(typed):
    with pytest.raises(InvalidPhone):
        normalise_phone(typed)


@pytest.mark.parametrize(
    "typed, prefixes",
    [("0803", ["+234803"]), ("+23480", ["+23480"]), ("803 12", ["+23480312", "+80312"])],
)
def test_partly_typed_numbers_search_by_stored_prefix(typed, prefixes):
    assert search_prefixes(typed) == prefixes
