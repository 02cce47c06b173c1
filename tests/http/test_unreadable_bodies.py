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
