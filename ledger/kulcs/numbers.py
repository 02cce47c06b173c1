"""Exact decimals as Kulcs writes them: decimal point or comma, optional thousands separators."""

import re
from decimal import Decimal
from functools import lru_cache

MAX_INTEGER_DIGITS = 18
MAX_FRACTION_DIGITS = 6

VAT_CODES = frozenset(
    {"AAM", "TAM", "EU", "EUK", "MAA", "KBAET", "KBAUK", "EUFAD37", "EUFADE", "EUE", "HO", "ATK",
     "FAD", "NAM", "ÁKK"}
)

_PLAIN = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")
# Dots or commas group thousands only when there are several groups or the other separator
# follows: a single separator is the decimal one, so '1.234' and '1,234' both mean 1.234.
_GROUPED = tuple(
    (re.compile(r"[+-]?[0-9]{1,3}(?:" + group + r"[0-9]{3})+(?:" + point + r"[0-9]+)?"),
     str.maketrans("", "", separators))
    for group, point, separators in (
        ("[ \u00a0\u202f]", "[.,]", " \u00a0\u202f"),
        (r"\.", ",", "."),
        (",", r"\.", ","),
    )
)
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class NumberError(ValueError):
    """Not an acceptable number; str() is a short Hungarian reason."""


def parse_decimal(text: str) -> Decimal:
    cleaned = text.strip()
    if not cleaned:
        raise NumberError("üres érték")
    plain = cleaned if _PLAIN.fullmatch(cleaned) else _without_thousands_separators(cleaned)
    if plain is None:
        raise NumberError(f"érvénytelen szám: {_quoted(cleaned)}")
    plain = plain.replace(",", ".")
    integer, _, fraction = plain.lstrip("+-").partition(".")
    if len(integer) > MAX_INTEGER_DIGITS:
        raise NumberError(f"túl sok számjegy: {_quoted(cleaned)}")
    if len(fraction) > MAX_FRACTION_DIGITS:
        raise NumberError(f"túl sok tizedesjegy: {_quoted(cleaned)}")
    value = Decimal(plain)
    return value.copy_abs() if value.is_zero() else value


@lru_cache(maxsize=256)  # an upload repeats the same few rates on every row
def parse_vat(text: str) -> str:
    cleaned = text.strip()
    if cleaned.upper() in VAT_CODES:
        return cleaned.upper()
    try:
        rate = parse_decimal(cleaned.removesuffix("%"))
    except NumberError:
        rate = None
    if rate is None or not 0 <= rate <= 100:
        raise NumberError(f"ismeretlen ÁFA-kulcs: {_quoted(cleaned)}")
    return format(rate.normalize(), "f")


def _without_thousands_separators(text: str) -> str | None:
    for pattern, drop_separators in _GROUPED:
        if pattern.fullmatch(text):
            return text.translate(drop_separators)
    return None


def _quoted(text: str) -> str:
    # The reason ends up in an XML answer, so it must stay short and XML-safe.
    shown = text if len(text) <= 40 else text[:40] + "…"
    return '"' + _NOT_XML_TEXT.sub("?", shown) + '"'
