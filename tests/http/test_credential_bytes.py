"""Credentials whose bytes are not UTF-8 (a bearer token, Basic credentials, the session cookie) are
credentials that do not match: 401 or the sign-in page, never a 500."""
from __future__ import annotations

import asyncio

import pytest

from tests.http.helpers import make_shop


async def raw_status(client, method: bytes, target: bytes, header: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(method + b" " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + header
                 + b"\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return int(answer.split()[1]), answer


@pytest.mark.parametrize("token", [b"ab\xffcd", b"kl_abc_\xff\xfe", b"test-admin-token\xff"])
async def test_a_bearer_token_that_is_not_utf8_is_a_401(client, token):
    status, answer = await raw_status(client, b"GET", b"/api/shops", b"Authorization: Bearer " + token)
    assert status == 401, answer
    assert b'"error"' in answer


@pytest.mark.parametrize("credentials", [b"Ym9sdDpw\xff", b"\xc3\xa9\xff"])
async def test_basic_credentials_that_are_not_ascii_are_a_401(client, credentials):
    await make_shop(client)
    status, answer = await raw_status(client, b"POST", b"/kulcs/bolt/products",
                                      b"Authorization: Basic " + credentials)
    assert status == 401, answer
    assert b"<valasz>" in answer


async def test_a_session_cookie_that_is_not_utf8_is_no_session(client):
    status, answer = await raw_status(client, b"GET", b"/ui/", b"Cookie: kl_session=\xff\xfe")
    assert status == 303, answer
    assert b"/ui/sign-in" in answer
