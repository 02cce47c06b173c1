"""A body aiohttp cannot read as its headers describe it (a Content-Encoding it does not decode to
anything) is the client's mistake: 400 in the path's own error shape, never a 500."""
from __future__ import annotations

import asyncio
import base64

import pytest

from tests.conftest import ADMIN_TOKEN
from tests.http.helpers import make_shop

KULCS = b"Authorization: Basic " + base64.b64encode(b"bolt:kulcs-jelszo") + b"\r\nContent-Type: text/xml\r\n"
API = b"Authorization: Bearer " + ADMIN_TOKEN.encode() + b"\r\nContent-Type: application/json\r\n"


async def raw_answer(client, target: bytes, headers: bytes, body: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(b"POST " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers
                 + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return int(answer.split()[1]), answer


@pytest.mark.parametrize("encoding", [b"gzip", b"deflate"])
@pytest.mark.parametrize("target, headers, shape", [
    (b"/kulcs/bolt/products", KULCS, b"<valasz>"),
    (b"/api/shops", API, b'"error"'),
], ids=["kulcs", "api"])
async def test_a_body_that_is_not_in_its_content_encoding_is_a_400(client, encoding, target, headers, shape):
    await make_shop(client, sync_type="full")
    status, answer = await raw_answer(client, target, headers + b"Content-Encoding: " + encoding + b"\r\n",
                                      b"<termekek/> is not " + encoding)
    assert status == 400, answer
    assert shape in answer


@pytest.mark.parametrize("content_type, body", [
    (b"text/xml; charset=\xff", b"<termekek><termek><termekkod>A</termekkod><ar>1</ar></termek></termekek>"),
    (b"multipart/form-data; boundary=\xff", b"--\xff\r\nContent-Disposition: form-data; name=\"xml\"\r\n\r\n"
                                            b"<termekek/>\r\n--\xff--\r\n"),
    (b"multipart/form-data; boundary=\xc5\x91", b"--\xc5\x91\r\nContent-Disposition: form-data; name=\"xml\""
                                                b"\r\n\r\n<termekek/>\r\n--\xc5\x91--\r\n"),
], ids=["charset-not-utf8", "boundary-not-utf8", "boundary-utf8-not-latin1"])
async def test_a_content_type_with_bytes_beyond_ascii_is_answered_not_a_500(client, content_type, body):
    """The Content-Type header's bytes went to PostgreSQL as surrogates (the recorded content type) or
    through a latin-1 encoding that fails on them: 500 'internal error' to Kulcs."""
    await make_shop(client, sync_type="full")
    auth = b"Authorization: Basic " + base64.b64encode(b"bolt:kulcs-jelszo") + b"\r\n"
    status, answer = await raw_answer(client, b"/kulcs/bolt/products",
                                      auth + b"Content-Type: " + content_type + b"\r\n", body)
    assert status in (200, 400), answer
    assert b"<valasz>" in answer
