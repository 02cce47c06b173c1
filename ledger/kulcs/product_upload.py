"""U1 product upload: a <termekek> document read into typed rows (no database, no side effects)."""

import base64
import hashlib
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from lxml import etree

from ledger.domain.ids import MAX_KEY_CHARS

from .numbers import NumberError, parse_decimal, parse_vat
from .xml_safety import RowSpelledOtherwise, encoding_of, iter_rows_safely, local_name

PARSER_VERSION = "kulcs-u1/1"
PROCESSED_FIELDS = ("ar", "arakcios", "szabadraktar", "nev", "mee", "afakulcs", "kep", "kat", "tmegjegyzes")

_IMAGE_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))
# The base64 of the signatures of JPEG, PNG, GIF (87a, 89a) and WebP (RIFF): see `_base64_payload`.
_IMAGE_MAGIC_BASE64 = ("/9j/", "iVBORw0KGgo", "R0lGODdh", "R0lGODlh", "UklGR")
_LONGEST_FILE_NAME = 255
_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/=\t\r\n ]+")
_BASE64_WHITESPACE = re.compile(r"[\t\r\n ]+")


@dataclass(frozen=True, slots=True)
class ImageRef:
    kind: str  # "url" | "data" | "name"
    value: str  # the URL, the file name, or the SHA-256 hex of the decoded data
    media_type: str | None = None
    data: bytes | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class ProductRow:
    index: int
    sku: str | None
    values: dict[str, object]
    errors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProductUpload:
    rows: list[ProductRow]
    encoding: str


class RawRow(NamedTuple):
    """A <termek> before any value is read. `fingerprint` is equal for rows that serialise the same
    (under the same salt); a row the caller recognised by it while reading is not taken apart
    (`texts` is None). A tuple: a catalogue makes one per row, and a frozen dataclass costs 5x more."""

    index: int
    sku_text: str | None
    texts: tuple[str, ...] | None  # names and texts alternating: (name, text, name, text, ...)
    fingerprint: bytes

    def fields(self) -> Iterator[tuple[str, str]]:
        """(name, text) of each field element, in document order (not for a row recognised unread)."""
        return zip(self.texts[::2], self.texts[1::2])


@dataclass(frozen=True, slots=True)
class RawUpload:
    rows: list[RawRow]
    encoding: str


class _FieldError(ValueError):
    pass


def parse_product_upload(
    body: bytes, *, max_rows: int = 200_000, max_field_chars: int = 100_000,
    processed: Collection[str] = PROCESSED_FIELDS,
) -> ProductUpload:
    """`processed`: the elements the shop's sync mode processes; see `parse_raw_row`."""
    raw = read_raw_rows(body, max_rows=max_rows)
    rows = [parse_raw_row(row, max_field_chars, processed) for row in raw.rows]
    return ProductUpload(rows=rows, encoding=raw.encoding)


def read_raw_rows(body: bytes, *, max_rows: int = 200_000, salt: str = "",
                  known: Mapping[bytes, str] | None = None) -> RawUpload:
    """`known`: the fingerprints of rows known to read as before, each with its row's SKU. Such rows
    are not taken apart (most of the reading time of a catalogue sent again): a row that serialises
    byte for byte as one that was parsed into SKU X is that same row, with SKU X."""
    salted, known = hashlib.blake2b(salt.encode() + b"\x00", digest_size=16), known or {}
    try:
        rows = _read_rows(body, max_rows, salted, known, any_spelling=False)
    except RowSpelledOtherwise:
        rows = _read_rows(body, max_rows, salted, known, any_spelling=True)
    return RawUpload(rows, encoding_of(body))


def _read_rows(body: bytes, max_rows: int, salted, known, *, any_spelling: bool) -> list[RawRow]:
    elements = iter_rows_safely(body, expected_roots=("termekek",), row="termek", max_rows=max_rows,
                                any_spelling=any_spelling)
    return [_raw_row(index, element, salted, known) for index, element in enumerate(elements, 1)]


def _raw_row(index: int, product, salted, known) -> RawRow:
    hashed = salted.copy()
    hashed.update(etree.tostring(product, encoding="utf-8", with_tail=False))
    fingerprint = hashed.digest()
    if (sku := known.get(fingerprint)) is not None:
        return RawRow(index, sku, None, fingerprint)
    texts = _texts(product)
    sku_text = next((texts[i + 1].strip() for i in range(0, len(texts), 2) if texts[i] == "termekkod"), None)
    return RawRow(index, sku_text or None, texts, fingerprint)


def _texts(product) -> tuple[str, ...]:
    """Flat, and each name the one string `_FIELD_NAMES` holds: a catalogue's rows all wait, read, for
    the decision, and a (name, text) pair per field plus a fresh name string from lxml per field weighed
    ~1 KB a row (100 MB for 100,000 rows)."""
    texts = []
    for element in product:
        name = _FIELD_NAMES.get(element.tag)
        if name is None:  # upper case, a namespace, or not a field at all
            name = _FIELD_NAMES.get(local_name(element))
            if name is None:
                continue
        texts += name, "".join(element.itertext()) if len(element) else (element.text or "")
    return tuple(texts)


def parse_raw_row(raw: RawRow, max_field_chars: int = 100_000,
                  processed: Collection[str] = PROCESSED_FIELDS) -> ProductRow:
    """Only the `processed` elements (those of the shop's sync mode) and `termekkod` are read: the
    others are ignored, as the protocol says, so they can neither set a value nor fail the row (an
    unreadable VAT rate in a stock-and-price push must not lose its price and stock)."""
    return _parse_row(raw.index, raw.fields(), max_field_chars, processed)


def _parse_row(index: int, fields, max_field_chars: int,
               processed: Collection[str] = PROCESSED_FIELDS) -> ProductRow:
    sku, values, errors, seen = None, {}, [], set()
    for name, text in fields:
        if name != "termekkod" and name not in processed:
            continue
        parse = _FIELD_PARSERS[name]
        if name in seen:
            errors.append(f"{name}: többször szerepel")
            continue
        seen.add(name)
        try:
            value = parse(text.strip())
            if len(text) > max_field_chars and not _is_image_data(value):
                raise _FieldError("túl hosszú")
        except (_FieldError, NumberError) as exc:
            errors.append(f"{name}: {exc}")
            continue
        if name == "termekkod":
            sku = value or None
        elif value is not None:
            values[name] = value
    if sku is None and not any(error.startswith("termekkod:") for error in errors):
        errors.insert(0, "termekkod: hiányzik")
    return ProductRow(index=index, sku=sku, values=values, errors=tuple(errors))


def _is_image_data(value: object) -> bool:
    # Base64 images are legitimately larger than any text; the body size limit bounds them.
    return isinstance(value, ImageRef) and value.kind == "data"


# Each parser takes the stripped text and returns the value, or None when an empty element
# counts as absent (numbers, VAT rate, image).
def _text(text: str) -> str:
    return text


def _key(text: str) -> str:
    """A SKU or a category: stored as an index key, so bounded (see MAX_KEY_CHARS)."""
    if len(text) > MAX_KEY_CHARS:
        raise _FieldError(f"túl hosszú (legfeljebb {MAX_KEY_CHARS} karakter)")
    return text


def _quantity(text: str) -> Decimal | None:
    return parse_decimal(text) if text else None


def _price(text: str) -> Decimal | None:
    price = _quantity(text)
    if price is not None and price < 0:
        raise _FieldError("negatív ár")
    return price


def _vat(text: str) -> str | None:
    return parse_vat(text) if text else None


def _image(text: str) -> ImageRef | None:
    return _parse_image(text) if text else None


_FIELD_PARSERS = {
    "termekkod": _key,
    "ar": _price,
    "arakcios": _price,
    "szabadraktar": _quantity,
    "nev": _text,
    "mee": _text,
    "afakulcs": _vat,
    "kep": _image,
    "kat": _key,
    "tmegjegyzes": _text,
}
_FIELD_NAMES = {name: name for name in _FIELD_PARSERS}


def _parse_image(text: str) -> ImageRef:
    if text[:8].lower().startswith(("http://", "https://")):
        return ImageRef(kind="url", value=text)
    payload = _base64_payload(text)
    if payload is None:
        return ImageRef(kind="name", value=text)
    try:
        data = base64.b64decode(payload, validate=True)
    except ValueError:  # binascii.Error, or text that is not ASCII
        raise _FieldError("érvénytelen base64") from None
    media_type = next((media for magic, media in _IMAGE_MAGIC if data.startswith(magic)), None)
    if media_type is None:
        raise _FieldError("nem JPEG vagy PNG")
    return ImageRef(kind="data", value=hashlib.sha256(data).hexdigest(), media_type=media_type, data=data)


def _base64_payload(text: str) -> str | None:
    """The base64 text (whitespace removed) when `kep` carries image data, None when it is a name.

    A `data:` URL is data, whatever follows. Otherwise text from the base64 alphabet is data when
    it begins with the base64 spelling of an image signature (JPEG `/9j/`, PNG `iVBORw0KGgo`, and
    GIF and WebP so that they get "nem JPEG vagy PNG" rather than pass as names): a cheap test that
    real image data passes and no plausible file name does. It is data too when it is longer than
    any file name can be (255 characters on every common file system): it cannot be a name, and the
    protocol says base64 data must be JPEG or PNG, so it fails the row rather than being kept as
    the product's image "name" and lost. Anything else is a bare name, kept as sent and never
    decoded, however base64-like: `IMG20240101123456`, `kerti szek piros nagy`, and the 64 hex
    digits of the SHA-256 that U4 sends back for a stored image."""
    if text[:5].lower() == "data:":
        header, _, payload = text.partition(",")
        if not header.lower().endswith(";base64"):
            raise _FieldError("érvénytelen base64")
        return _BASE64_WHITESPACE.sub("", payload)
    if not _BASE64_TEXT.fullmatch(text):
        return None
    compact = _BASE64_WHITESPACE.sub("", text)
    if compact.startswith(_IMAGE_MAGIC_BASE64) or len(compact) > _LONGEST_FILE_NAME:
        return compact
    return None
