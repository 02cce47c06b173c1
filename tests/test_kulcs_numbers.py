from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ledger.kulcs.numbers import NumberError, parse_decimal, parse_vat


def test_decimal_point_and_decimal_comma_mean_the_same():
    assert parse_decimal("1234.50") == parse_decimal("1234,50") == Decimal("1234.50")


def test_result_is_an_exact_decimal_not_a_float():
    value = parse_decimal("0,1")
    assert type(value) is Decimal
    assert value + parse_decimal("0.2") == Decimal("0.3")


def test_decimal_comma_with_space_thousands():
    assert parse_decimal("10 000,00") == Decimal("10000")


def test_decimal_comma_with_nbsp_thousands():
    assert parse_decimal("1\u00a0234,50") == Decimal("1234.50")


def test_decimal_comma_with_narrow_nbsp_thousands():
    assert parse_decimal("1\u202f234\u202f567,5") == Decimal("1234567.5")


def test_space_thousands_with_decimal_point():
    assert parse_decimal("1 234.5") == Decimal("1234.5")


def test_dot_thousands_with_decimal_comma():
    assert parse_decimal("1.234,50") == Decimal("1234.50")


def test_comma_thousands_with_decimal_point():
    assert parse_decimal("1,234.50") == Decimal("1234.50")


def test_several_dot_or_comma_groups_are_thousands():
    assert parse_decimal("1.234.567") == parse_decimal("1,234,567") == Decimal("1234567")


def test_a_single_separator_is_the_decimal_separator():
    assert parse_decimal("1.234") == parse_decimal("1,234") == Decimal("1.234")


def test_signs_and_surrounding_whitespace():
    assert parse_decimal("-5") == Decimal("-5")
    assert parse_decimal("+5") == Decimal("5")
    assert parse_decimal(" 12 ") == Decimal("12")
    assert parse_decimal("\u00a0-3,5\t") == Decimal("-3.5")


def test_negative_zero_is_normalised():
    for text in ("-0", "-0,00"):
        value = parse_decimal(text)
        assert value == 0
        assert not value.is_signed()
    assert str(parse_decimal("-0")) == "0"


def test_eighteen_integer_and_six_fraction_digits_are_accepted():
    assert parse_decimal("9" * 18 + ",123456") == Decimal("9" * 18 + ".123456")


def test_more_than_eighteen_integer_digits_is_refused():
    with pytest.raises(NumberError, match="túl sok számjegy"):
        parse_decimal("1" + "0" * 18)


def test_more_than_six_fraction_digits_is_refused():
    with pytest.raises(NumberError, match="túl sok tizedesjegy"):
        parse_decimal("0,1234567")


@pytest.mark.parametrize(
    "text",
    ["", "   ", "12,34,56", "1.234.56", "1,234.567,8", "1 23", "1  234", "12 345 67",
     "1e309", "1E5", "NaN", "nan", "Infinity", "inf", "-inf", "0x1F", "12a", "--5", "+-5",
     "- 5", "5.", ",5", "1_000", "\u0661\u0662\u0663", "\uff11\uff12", "5 %", "1.234,5,6"],
)
def test_refused_forms(text):
    with pytest.raises(NumberError):
        parse_decimal(text)


def test_error_message_is_hungarian_and_quotes_the_text():
    with pytest.raises(NumberError) as caught:
        parse_decimal(" 12,34,56 ")
    assert str(caught.value) == 'érvénytelen szám: "12,34,56"'


def test_error_message_is_short_and_xml_safe():
    with pytest.raises(NumberError) as caught:
        parse_decimal("x\x00" + "y" * 1000)
    message = str(caught.value)
    assert len(message) < 80
    assert "\x00" not in message


def test_number_error_is_a_value_error():
    assert issubclass(NumberError, ValueError)


@st.composite
def decimals_with_at_most_six_places(draw):
    places = draw(st.integers(min_value=0, max_value=6))
    bound = 10 ** (15 + places)
    units = draw(st.integers(min_value=-bound + 1, max_value=bound - 1))
    return Decimal(units).scaleb(-places)


@given(
    value=decimals_with_at_most_six_places(),
    thousands=st.sampled_from([" ", "\u00a0", "\u202f"]),
)
@example(value=Decimal("-1234567.5"), thousands="\u00a0")
@example(value=Decimal("999999999999999.999999"), thousands=" ")
def test_hungarian_formatting_round_trips(value, thousands):
    english = format(value, ",f")  # '-1,234,567.5'
    hungarian = english.replace(",", thousands).replace(".", ",")
    assert parse_decimal(hungarian) == value


@given(st.text())
@example("1e309")
@example("1 234 567,1234567")
def test_parse_decimal_raises_only_number_error(text):
    try:
        value = parse_decimal(text)
    except NumberError as exc:
        assert str(exc)
    else:
        assert value.is_finite()


@given(st.text(alphabet="0123456789 .,+-\u00a0\u202feE"))
def test_parse_decimal_on_number_like_text_is_finite_or_number_error(text):
    try:
        value = parse_decimal(text)
    except NumberError:
        return
    assert value.is_finite()
    assert -(10**18) < value < 10**18


@pytest.mark.parametrize(
    ("text", "rate"),
    [("27", "27"), ("27%", "27"), ("27,00", "27"), ("27.0", "27"), (" 5 % ", "5"),
     ("5.5", "5.5"), ("5,50%", "5.5"), ("0", "0"), ("0%", "0"), ("100", "100"), ("18", "18")],
)
def test_vat_rate_forms_are_normalised(text, rate):
    assert parse_vat(text) == rate


@pytest.mark.parametrize(
    ("text", "code"),
    [("AAM", "AAM"), ("aam", "AAM"), (" tam ", "TAM"), ("EuFad37", "EUFAD37"), ("kbaet", "KBAET"),
     ("eue", "EUE"), ("ho", "HO"), ("ákk", "ÁKK")],
)
def test_vat_codes_match_case_insensitively(text, code):
    assert parse_vat(text) == code


@pytest.mark.parametrize("text", ["", "%", "XYZ", "101", "-5", "27%%", "27 % %", "1e1", "huszonhét"])
def test_unknown_vat_rate_is_refused_with_its_text(text):
    with pytest.raises(NumberError) as caught:
        parse_vat(text)
    assert str(caught.value) == f'ismeretlen ÁFA-kulcs: "{text.strip()}"'


@given(st.text())
def test_parse_vat_raises_only_number_error(text):
    try:
        rate = parse_vat(text)
    except NumberError:
        return
    assert rate == rate.strip().upper()
