"""Text that came from a client (a SKU, a shop id, a stored request's path) made fit for a response
header: a control character there makes aiohttp drop the connection after the answer was logged."""
from __future__ import annotations

import re
from urllib.parse import quote

CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")
_NOT_FOR_A_QUOTED_FILENAME = re.compile(r'[\x00-\x1f\x7f"\\/]')
# RFC 5987 attr-char, besides letters and digits
_ATTR_CHARS = "!#$&+-.^_`|~"


def attachment(filename: str) -> str:
    """`Content-Disposition` for a download: `filename` with control characters, quotes, backslashes
    and slashes replaced by "_", and, when the name is not plain ASCII, `filename*=UTF-8''…` with the
    whole name beside an ASCII fallback."""
    cleaned = _NOT_FOR_A_QUOTED_FILENAME.sub("_", filename)
    fallback = cleaned.encode("ascii", "replace").decode("ascii").replace("?", "_")
    value = f'attachment; filename="{fallback}"'
    if fallback != cleaned:
        value += "; filename*=UTF-8''" + quote(cleaned, safe=_ATTR_CHARS, errors="replace")
    return value


def header_text(text: str) -> str:
    """A stored value as a header value: control characters percent-encoded, the rest as it is."""
    return CONTROL_CHARACTER.sub(lambda m: f"%{ord(m.group()):02X}", text)


def is_utf8(text: str) -> bool:
    """False for a header value whose bytes were not UTF-8 (aiohttp hands them over as surrogates,
    which no secret holds and which `str.encode` refuses)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
