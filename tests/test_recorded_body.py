"""envelope.recorded_body: the `jelszo` and `key` values of a form or multipart body become `***`;
the parser still reads the same document and every other field from the recorded bytes."""
from __future__ import annotations

from urllib.parse import quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.kulcs.envelope import form_fields_and_xml, recorded_body

FORM = "application/x-www-form-urlencoded"
XML = b'<?xml version="1.0"?><termekek><termek><nev>jelszo=titok&amp;key=titok</nev></termek></termekek>'


def parsed(content_type: str, raw: str | None, body: bytes):
    return form_fields_and_xml(content_type, raw, body)


def assert_masked_as_parsed(content_type: str, raw: str | None, body: bytes) -> bytes:
    recorded = recorded_body(content_type, raw, body)
    fields, xml = parsed(content_type, raw, body)
    recorded_fields, recorded_xml = parsed(content_type, raw, recorded)
    assert recorded_xml == xml
    assert recorded_fields == {k: "***" if k.strip().lower() in ("jelszo", "key") and v else v
                               for k, v in fields.items()}
    return recorded


names = st.sampled_from(["jelszo", "key", "KEY", "jels%7Ao", "jelszo+", "webshopid", "xml", "x", ""])
values = st.text(max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(names, values), max_size=6))
def test_form_body_masking_keeps_every_field_the_parser_reads_but_the_secrets(pairs):
    body = "&".join(f"{name}={quote_plus(value)}" for name, value in pairs).encode("ascii")
    recorded = assert_masked_as_parsed(FORM, FORM, body)
    if recorded is not body:
        assert len(recorded.split(b"&")) == len(body.split(b"&"))  # field order and count kept


def test_nothing_to_mask_answers_the_same_bytes_without_a_copy():
    for content_type, body in ((FORM, b"webshopid=bolt&xml=" + quote_plus(XML.decode()).encode()),
                               (FORM, b"jelszo=***&key=***&xml=%3Ca%2F%3E"), (FORM, XML),
                               ("text/xml", b"jelszo=titok"), ("multipart/form-data", b"no boundary")):
        assert recorded_body(content_type, content_type, body) is body


def multipart(parts: list[tuple[str, bytes]], newline: bytes = b"\r\n", epilogue: bytes = b"") -> bytes:
    lines = [b"preamble"]
    for headers, payload in parts:
        lines += [b"--XyZ", headers.encode(), b"", payload]
    return newline.join(lines + [b"--XyZ--", epilogue])


@pytest.mark.parametrize("newline", [b"\r\n", b"\n"], ids=["CRLF", "LF"])
def test_multipart_masking_keeps_every_part_the_parser_reads_but_the_secrets(newline):
    body = multipart([
        ('Content-Disposition: form-data; name="webshopid"', b"bolt"),
        ('Content-Disposition: form-data; name="jelszo"', b"titok-1"),
        ("Content-Disposition: form-data; name=KEY", b"titok-2"),
        ("Content-Disposition: form-data; name*=utf-8''jelszo", b"titok-3"),
        ('Content-Disposition: form-data; name="key"; filename="key.xml"', XML),
        ('Content-Disposition: form-data; name="megjegyzes"', b"--XyZx\r\nnot a delimiter"),
    ], newline, epilogue=b'--XyZ\r\nContent-Disposition: form-data; name="jelszo"\r\n\r\nepilogue')
    raw = 'multipart/form-data; boundary="XyZ"'
    recorded = assert_masked_as_parsed("multipart/form-data", raw, body)
    assert b"titok-" not in recorded and recorded.count(b"***") == 3
    assert recorded.endswith(b"epilogue") and XML in recorded
    assert recorded == body.replace(b"titok-1", b"***").replace(b"titok-2", b"***").replace(b"titok-3", b"***")
