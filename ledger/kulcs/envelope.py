"""How a Kulcs document travels: a raw body, a form field named `xml`, or a multipart file."""
from __future__ import annotations

import re
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl


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


def _looks_like_xml(body: bytes) -> bool:
    # Clients (curl -d, urllib) label a raw body as a form by default; a form never starts with "<".
    return body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _multipart(raw_content_type: str, body: bytes) -> tuple[dict[str, str], bytes | None]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + raw_content_type.encode("latin-1") + b"\r\n\r\n" + body)
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
