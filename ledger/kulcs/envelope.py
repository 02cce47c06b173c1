"""How a Kulcs document travels: a raw body, a form field named `xml`, or a multipart file."""
from __future__ import annotations

import re
from email.parser import BytesParser
from email.policy import HTTP
from email.utils import collapse_rfc2231_value
from urllib.parse import parse_qsl, unquote_to_bytes

SECRET_FIELDS = ("jelszo", "key")  # the Kulcs password and the import password, compared case-blind
MASK = b"***"
_NAME_LIMIT = 200  # a longer field name is not a secret's (and is not copied to be looked at)


def form_fields_and_xml(content_type: str, raw_content_type: str | None,
                        body: bytes) -> tuple[dict[str, str], bytes | None]:
    """Form fields (for credentials) and the XML document, from any of the three ways it can come."""
    if content_type == "application/x-www-form-urlencoded" and not _looks_like_xml(body):
        # latin-1 maps every percent-decoded byte to one character, so the XML's bytes survive exactly
        pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
        raw = dict(pairs)
        xml = raw.pop("xml", None)
        fields = {k: v.encode("latin-1").decode("utf-8", "replace") for k, v in raw.items()}
        return fields, None if xml is None else form_text_as_declared(xml.encode("latin-1"))
    if content_type.startswith("multipart/"):
        return _multipart(raw_content_type or content_type, body)
    return {}, body


def recorded_body(content_type: str, raw_content_type: str | None, body: bytes) -> bytes:
    """The body as it is recorded: as received, except that the value of every `jelszo` and `key`
    field of a form-encoded or multipart body (the fields `form_fields_and_xml` reads; names compared
    case-blind, an empty value left empty) is `***`, as in the recorded query. Every other byte, the
    field order and the encoding are kept, so the stored body still parses to the same document.
    Answers `body` itself (no copy) when there is nothing to mask."""
    if content_type == "application/x-www-form-urlencoded" and not _looks_like_xml(body):
        return _masked_form(body)
    if content_type.startswith("multipart/"):
        return _masked_multipart(raw_content_type or content_type, body)
    return body


def _is_secret(name: str | tuple | None) -> bool:
    if isinstance(name, tuple):  # an RFC 2231 parameter
        name = collapse_rfc2231_value(name)
    return name is not None and name.strip().lower() in SECRET_FIELDS


def _masked_form(body: bytes) -> bytes:
    # Split as parse_qsl splits (on "&", the name up to the first "="); only names are copied.
    kept, pieces, start, view = 0, [], 0, memoryview(body)
    while start <= len(body):
        end = body.find(b"&", start)
        end = len(body) if end < 0 else end
        equals = body.find(b"=", start, min(end, start + _NAME_LIMIT + 1))
        value_size = end - equals - 1
        if equals >= 0 and value_size > 0 and not (
                value_size == len(MASK) and body.startswith(MASK, equals + 1)):
            name = unquote_to_bytes(body[start:equals].replace(b"+", b" ")).decode("utf-8", "replace")
            if _is_secret(name):
                pieces += [view[kept:equals + 1], MASK]
                kept = end
        start = end + 1
    if not pieces:
        return body
    return b"".join([*pieces, view[kept:]])


_HEADERS_END = re.compile(rb"\r?\n\r?\n")
_DELIMITER_TAIL = re.compile(rb"(?:--)?[ \t]*(?:\r\n|\n|\r|\Z)")


def _masked_multipart(raw_content_type: str, body: bytes) -> bytes:
    # The parts as the email parser finds them: between lines "--boundary", a part's headers up to
    # its first empty line, its payload up to the line break before the next delimiter line.
    boundary = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + _wire_bytes(raw_content_type) + b"\r\n\r\n", headersonly=True).get_boundary()
    if not boundary:
        return body
    delimiter = b"--" + _wire_bytes(boundary)
    lines = []  # (start of the delimiter line, end of it)
    at = body.find(delimiter)
    while at >= 0:
        tail = _DELIMITER_TAIL.match(body, at + len(delimiter))
        if (at == 0 or body[at - 1:at] in (b"\n", b"\r")) and tail:
            lines.append((at, tail.end()))
            if body.startswith(b"--", at + len(delimiter)):
                break  # the closing delimiter: what follows is the epilogue
        at = body.find(delimiter, at + len(delimiter))
    kept, pieces, view = 0, [], memoryview(body)
    for (_, part_start), (next_line, _) in zip(lines, lines[1:]):
        part_end = next_line - (2 if body[next_line - 2:next_line] == b"\r\n" else 1)
        if body[part_start:part_start + 2] == b"\r\n" or body[part_start:part_start + 1] == b"\n":
            continue  # no headers, so no name
        headers_end = _HEADERS_END.search(body, part_start, part_end)
        if headers_end is None:
            continue
        headers = BytesParser(policy=HTTP).parsebytes(body[part_start:headers_end.end()], headersonly=True)
        payload = body[headers_end.end():part_end] if part_end - headers_end.end() == len(MASK) else None
        if (headers.get_filename() is None and part_end > headers_end.end() and payload != MASK
                and _is_secret(headers.get_param("name", header="content-disposition"))):
            pieces += [view[kept:headers_end.end()], MASK]
            kept = part_end
    if not pieces:
        return body
    return b"".join([*pieces, view[kept:]])


def _wire_bytes(header_text: str) -> bytes:
    """A header's text back as the bytes that came (aiohttp decodes them as UTF-8, any byte that is not
    as a surrogate; the email parser decodes them as ASCII, the same way)."""
    return header_text.encode("utf-8", "surrogateescape")


def _looks_like_xml(body: bytes) -> bool:
    # Clients (curl -d, urllib) label a raw body as a form by default; a form never starts with "<".
    return body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _multipart(raw_content_type: str, body: bytes) -> tuple[dict[str, str], bytes | None]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + _wire_bytes(raw_content_type) + b"\r\n\r\n" + body)
    fields, xml = {}, None
    for part in message.iter_parts():
        payload = part.get_payload(decode=True) or b""
        name = part.get_param("name", header="content-disposition")
        if part.get_filename() is not None or name == "xml":
            xml = payload if xml is None else xml
        elif name:
            fields[name] = payload.decode("utf-8", "replace")
    return fields, xml


_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def form_text_as_declared(xml: bytes) -> bytes:
    """A form field is text in the form's charset (UTF-8 in practice), whatever the XML declaration
    says; bytes that are not UTF-8 were sent in the declared encoding already and are kept as they are."""
    declared = _DECLARED.match(xml)
    if not declared or declared.group(1).lower() in (b"utf-8", b"utf8") or xml.isascii():
        return xml
    try:
        return xml.decode("utf-8").encode(declared.group(1).decode("ascii"))
    except (UnicodeError, LookupError):
        return xml
