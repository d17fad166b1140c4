"""hotline.core.phones: one stored form for every way a number is typed; bad input refused."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hotline.core.errors import InvalidInput
from hotline.core.phones import (
    MESSAGE_AREA_CODE,
    MESSAGE_COMPANY,
    MESSAGE_FOREIGN,
    MESSAGE_INVALID,
    MESSAGE_MOBILE_EXTENSION,
    MESSAGE_SERVICE,
    format_phone,
    is_mobile,
    national_number,
    normalise_phone,
    phone_line,
)

MOBILE = "+8613255550002"
FIXED = "+861012345678"


@pytest.mark.parametrize(
    "typed",
    [
        "13255550002",
        "132 5555 0002",
        "132-5555-0002",
        "+86 132-5555-0002",
        "+8613255550002",
        "8613255550002",
        "86 132 5555 0002",
        "+0086 132 5555 0002",
        "0086 13255550002",
        "0086-132-5555-0002",
        "１３２５５５５０００２",  # full-width digits from a Chinese input method
        " 13255550002 ",
    ],
)
def test_every_way_of_typing_a_mobile_gives_e164(typed):
    assert normalise_phone(typed) == MOBILE


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("010-12345678", FIXED),
        ("(010)12345678", FIXED),
        ("（010）12345678", FIXED),
        ("010 1234 5678", FIXED),
        ("+86 10 1234 5678", FIXED),
        ("0086-010-12345678", FIXED),
        ("01012345678", FIXED),
        ("0755 1234 5678", "+8675512345678"),
        ("0755-1234-5678", "+8675512345678"),
        ("0571-8888 1234", "+8657188881234"),
    ],
)
def test_fixed_lines_with_their_area_code(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "010-12345678-123",
        "010-12345678转123",
        "010-12345678 转 123",
        "010-12345678分机123",
        "010-12345678 ext 123",
        "010-12345678 ext.123",
        "010-12345678x123",
        "010-12345678#123",
        "+861012345678;ext=123",
    ],
)
def test_a_fixed_lines_extension_is_kept_rfc3966_style(typed):
    assert normalise_phone(typed) == FIXED + ";ext=123"
    assert phone_line(typed) == FIXED


def test_blank_stays_blank():
    assert normalise_phone("") == normalise_phone("   ") == ""
    assert phone_line("") == ""


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("123", MESSAGE_INVALID),
        ("12", MESSAGE_INVALID),
        ("1" * 30, MESSAGE_INVALID),
        ("9" * 41, MESSAGE_INVALID),
        ("abc", MESSAGE_INVALID),
        ("call me", MESSAGE_INVALID),
        ("13255550abc", MESSAGE_INVALID),  # letters are not read as a keypad's digits
        ("1325555000", MESSAGE_INVALID),  # one digit short
        ("132555500021", MESSAGE_INVALID),  # one digit too many
        ("14012345678", MESSAGE_INVALID),  # no such mobile prefix
        ("12345678", MESSAGE_INVALID),
        ("87654321", MESSAGE_AREA_CODE),  # a local number without its area code
        ("12345", MESSAGE_SERVICE),
        ("95588", MESSAGE_SERVICE),
        ("10086", MESSAGE_SERVICE),
        ("400 123 4567", MESSAGE_COMPANY),
        ("800-123-4567", MESSAGE_COMPANY),
        ("+1 650 253 0000", MESSAGE_FOREIGN),
        ("+852 9123 4567", MESSAGE_FOREIGN),
        ("13255550002转1", MESSAGE_MOBILE_EXTENSION),
        ("13255550002-1", MESSAGE_MOBILE_EXTENSION),
    ],
)
def test_what_is_not_a_mainland_mobile_or_fixed_line_is_refused_in_chinese(typed, message):
    with pytest.raises(InvalidInput) as err:
        normalise_phone(typed)
    assert (err.value.code, err.value.extra, err.value.detail) == (
        "invalid_phone",
        {"field": "phone"},
        message,
    )


def test_the_error_names_the_field_it_is_given():
    with pytest.raises(InvalidInput) as err:
        normalise_phone("123", field="complainant.phone")
    assert err.value.extra == {"field": "complainant.phone"}


def test_the_line_of_a_mobile_typed_with_an_extension_is_the_mobile():
    # refused as a contact number, but still the line the blocklist matches
    assert phone_line("13255550002转1") == phone_line("132 5555 0002-1") == MOBILE
    assert phone_line("123") == phone_line("abc") == ""


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (MOBILE, "132 5555 0002"),
        (FIXED, "010-1234 5678"),
        ("+8675512345678", "0755-1234 5678"),
        (FIXED + ";ext=123", "010-1234 5678 转 123"),
        ("", ""),
        ("132****0002", "132****0002"),  # masked: as it is
        ("call me", "call me"),  # old data kept as typed: as it is
    ],
)
def test_format_phone_for_reading(stored, shown):
    assert format_phone(stored) == shown


@pytest.mark.parametrize(
    ("stored", "national"),
    [
        (MOBILE, "13255550002"),
        (FIXED, "01012345678"),
        (FIXED + ";ext=123", "01012345678"),
        ("12345", "12345"),
        ("", ""),
    ],
)
def test_national_number_is_what_is_dialled_in_china(stored, national):
    assert national_number(stored) == national


def test_is_mobile_tells_what_takes_text_messages():
    assert is_mobile(MOBILE) and is_mobile(" " + MOBILE)
    assert not is_mobile(FIXED) and not is_mobile(FIXED + ";ext=123")
    assert not is_mobile("13255550002")  # not a stored value
    assert not is_mobile("") and not is_mobile("132****0002")


# -- properties -------------------------------------------------------------------------

MOBILE_PREFIXES = ["130", "132", "135", "138", "139", "150", "159", "166", "177", "186", "189", "199"]
AREA_CODES = ["10", "20", "21", "571", "591", "731", "755", "791"]
SEPARATORS = st.sampled_from(["", "", " ", "-"])
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _valid(stored: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(stored))


@st.composite
def numbers(draw):
    """A valid mainland number as ``(stored, national significant digits, is_mobile)``."""
    if draw(st.booleans()):
        nsn = draw(st.sampled_from(MOBILE_PREFIXES)) + draw(st.text("0123456789", min_size=8, max_size=8))
        mobile = True
    else:
        nsn = draw(st.sampled_from(AREA_CODES)) + draw(st.sampled_from("2345678"))
        nsn += draw(st.text("0123456789", min_size=7, max_size=7))
        mobile = False
    stored = "+86" + nsn
    assume(_valid(stored))
    return stored, nsn, mobile


def _spaced(draw, digits: str) -> str:
    """``digits`` with separators between some of them, as people group them."""
    out = digits[0]
    for d in digits[1:]:
        out += draw(SEPARATORS) + d
    return out


@st.composite
def typed_variants(draw, number):
    _, nsn, mobile = number
    area, rest = ("", nsn) if mobile else (nsn[:-8], nsn[-8:])
    country = draw(st.sampled_from(["", "+86", "86", "0086", "+0086", "+86 ", "0086-", "+86-"]))
    if mobile:
        text = country + _spaced(draw, nsn)
    elif country:
        text = country + area + draw(SEPARATORS) + _spaced(draw, rest)
    else:
        trunk = "0" + area
        head = f"({trunk})" if draw(st.booleans()) else trunk + draw(SEPARATORS)
        text = head + _spaced(draw, rest)
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    return draw(st.sampled_from(["", " ", "  "])) + text + draw(st.sampled_from(["", " "]))


@given(data=st.data(), number=numbers())
def test_every_accepted_variant_of_one_number_gives_the_same_stored_value(data, number):
    stored = number[0]
    first = data.draw(typed_variants(number))
    second = data.draw(typed_variants(number))
    assert normalise_phone(first) == normalise_phone(second) == stored


@given(number=numbers(), extension=st.text("0123456789", min_size=1, max_size=6))
def test_an_extension_never_changes_the_line(number, extension):
    stored, _, mobile = number
    typed = f"{format_phone(stored)}转{extension}"
    assert phone_line(typed) == stored
    if not mobile:
        assert normalise_phone(typed) == f"{stored};ext={extension}"


@given(number=numbers())
def test_the_shown_form_reads_back_to_the_stored_one(number):
    stored = number[0]
    assert normalise_phone(format_phone(stored)) == stored
    assert normalise_phone(national_number(stored)) == stored


@given(text=st.one_of(st.text(max_size=45), st.text("0123456789 +-()转分机ext#x;=０１２８６", max_size=45)))
def test_normalise_is_idempotent_and_only_ever_refuses_with_invalid_phone(text):
    try:
        stored = normalise_phone(text)
    except InvalidInput as err:
        assert err.code == "invalid_phone"
        return
    assert normalise_phone(stored) == stored
    assert phone_line(stored) == phone_line(text)
