"""Guessing tokens: failed bearer tokens on /api/ and failed sign-ins on /ui/ are counted together per
client address (they guess the same secrets); each failure is slowed a little more, and after five in a
minute that address is answered 429 with Retry-After for every token, right or wrong, until the window
passes. A request without a token guesses nothing and is not counted."""
from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import time

import pytest

from ledger.config import trusted_networks
from ledger.http.keys import POOL
from ledger.http.throttle import FAILURES_BEFORE_REFUSAL
from ledger.logs import configure_logging
from ledger.service.tokens import create_token
from tests.conftest import ADMIN, ADMIN_TOKEN
from tests.http.helpers import basic, fresh_address, make_shop, request_from
from tests.kulcs_docs import product_xml
from tests.web.conftest import browser  # noqa: F401  (a fixture: one person's cookie jar)

WRONG = {"Authorization": "Bearer kl_nope_nope"}


async def api_get(client, address: str, headers: dict, path: str = "/api/shops"):
    return await request_from(client, address, "GET", path, headers=headers)


def assert_refused(status, headers, body) -> None:
    assert status == 429, (status, body[:300])
    assert int(headers["Retry-After"]) > 0, headers


async def test_guessing_api_tokens_from_one_address_is_refused_429_after_five_failures_even_with_the_right_token(client):
    guesser, took = fresh_address(), []
    for _ in range(FAILURES_BEFORE_REFUSAL):
        started = time.monotonic()
        status, _, body = await api_get(client, guesser, WRONG)
        took.append(time.monotonic() - started)
        assert status == 401, body
    assert took[-1] > took[0] + 0.2, f"failures are slowed down: {took}"
    for headers in (WRONG, ADMIN):
        status, answer_headers, body = await api_get(client, guesser, headers)
        assert_refused(status, answer_headers, body)
        error = json.loads(body)
        assert set(error) == {"error", "detail"} and error["error"], error
        assert answer_headers["Content-Type"].startswith("application/json")
    status, _, _ = await api_get(client, fresh_address(), ADMIN)
    assert status == 200, "another address is not refused"


async def test_revoked_and_malformed_tokens_count_as_failures_too(client):
    async with client.server.app[POOL].acquire() as conn:
        revoked = await create_token(conn, "auditor", None)
        await conn.execute("UPDATE api_tokens SET revoked_at = now() WHERE token_id = $1", revoked.split("_")[1])
    guesser = fresh_address()
    attempts = [{"Authorization": f"Bearer {revoked}"}, {"Authorization": f"Bearer {ADMIN_TOKEN.upper()}"},
                {"Authorization": f"Bearer {ADMIN_TOKEN}x"}, {"Authorization": "Bearer kl_a_b"}, WRONG]
    assert len(attempts) == FAILURES_BEFORE_REFUSAL
    for headers in attempts:
        assert (await api_get(client, guesser, headers))[0] == 401, headers
    assert_refused(*await api_get(client, guesser, ADMIN))


async def test_requests_without_a_bearer_token_are_not_counted_as_guesses(client):
    address = fresh_address()
    nothing = [{}, basic("bolt", "jelszo"), {"Authorization": "Bearer"}, {"Authorization": "Bearer  "}]
    for headers in nothing * FAILURES_BEFORE_REFUSAL:
        status, _, _ = await api_get(client, address, headers)
        assert status == 401
    assert (await api_get(client, address, ADMIN))[0] == 200


async def sign_in_from(browser, token: str, csrf: str | None = None):
    me = browser
    response = await me.post("/ui/sign-in", {"csrf": csrf or await me.csrf(), "token": token, "next": "/ui/"})
    return response.status, response.headers, await response.read()


async def test_guessing_tokens_on_the_sign_in_page_is_refused_429_after_five_failures_even_with_the_right_token(
        client, browser):
    guesser = browser(fresh_address())
    took = []
    for _ in range(FAILURES_BEFORE_REFUSAL):
        csrf = await guesser.csrf()  # outside the timing: the form's first rendering is not the delay measured
        started = time.monotonic()
        status, _, body = await sign_in_from(guesser, "kl_nope_nope", csrf)
        took.append(time.monotonic() - started)
        assert status == 401, body[:300]
    assert took[-1] > took[0] + 0.2, f"failures are slowed down: {took}"
    for token in ("kl_nope_nope", ADMIN_TOKEN):
        status, headers, body = await sign_in_from(guesser, token)
        assert_refused(status, headers, body)
        assert headers["Content-Type"].startswith("text/html") and b"<html" in body.lower(), body[:300]
    assert (await guesser.get("/ui/")).status == 303, "the right token refused: not signed in"
    assert (await sign_in_from(browser(fresh_address()), ADMIN_TOKEN))[0] == 303, "another address signs in"


async def test_failed_api_tokens_and_failed_sign_ins_share_one_count_per_address(client, browser):
    address = fresh_address()
    for _ in range(3):
        assert (await api_get(client, address, WRONG))[0] == 401
    guesser = browser(address)
    for _ in range(2):
        assert (await sign_in_from(guesser, "kl_nope_nope"))[0] == 401
    assert_refused(*await sign_in_from(guesser, ADMIN_TOKEN))
    assert_refused(*await api_get(client, address, ADMIN))


async def test_a_signed_in_session_is_not_refused_for_its_addresss_failed_guesses(client, browser):
    """The count refuses new sign-ins and bearer tokens; a session already signed in goes on."""
    address = fresh_address()
    me = browser(address)
    assert (await sign_in_from(me, ADMIN_TOKEN))[0] == 303
    for _ in range(FAILURES_BEFORE_REFUSAL):
        assert (await api_get(client, address, WRONG))[0] == 401
    assert (await me.get("/ui/")).status == 200


# --- many guesses at once: each counts from the moment it is let through, not once it has failed -------

BURST = 4 * FAILURES_BEFORE_REFUSAL


async def test_parallel_wrong_tokens_verify_at_most_the_limit(client):
    guesser = fresh_address()
    answers = await asyncio.gather(*(api_get(client, guesser, WRONG) for _ in range(BURST)))
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [401] * FAILURES_BEFORE_REFUSAL + [429] * (BURST - FAILURES_BEFORE_REFUSAL), statuses
    assert_refused(*await api_get(client, guesser, ADMIN))


async def test_parallel_wrong_sign_ins_verify_at_most_the_limit(client, browser):
    guesser = browser(fresh_address())
    csrf = await guesser.csrf()
    answers = await asyncio.gather(*(sign_in_from(guesser, "kl_nope_nope", csrf) for _ in range(BURST)))
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [401] * FAILURES_BEFORE_REFUSAL + [429] * (BURST - FAILURES_BEFORE_REFUSAL), statuses


async def test_parallel_right_tokens_from_one_address_all_succeed(client):
    """Attempts still being verified hold the others back; they do not refuse a right token."""
    address = fresh_address()
    answers = await asyncio.gather(*(api_get(client, address, ADMIN) for _ in range(BURST)))
    assert [status for status, _, _ in answers] == [200] * BURST


# --- behind a reverse proxy: the client's address from X-Forwarded-For, only from a trusted proxy -----

@pytest.fixture
async def proxied(aiohttp_client, settings, db_url):
    """The service behind a reverse proxy at 127.0.0.9 (KULCS_LEDGER_TRUSTED_PROXIES)."""
    from ledger.http.app import create_app

    trusted = trusted_networks("127.0.0.9", "KULCS_LEDGER_TRUSTED_PROXIES")
    return await aiohttp_client(create_app(dataclasses.replace(settings, trusted_proxies=trusted), db_url))


PROXY = "127.0.0.9"


def forwarded_for(address: str, headers: dict) -> dict:
    return {**headers, "X-Forwarded-For": address}


async def test_behind_a_trusted_proxy_guesses_are_counted_per_forwarded_client(proxied):
    client = proxied
    for n in range(FAILURES_BEFORE_REFUSAL):  # a spoofed left part changes nothing: the proxy appended the right
        assert (await api_get(client, PROXY, forwarded_for(f"6.6.6.{n}, 198.51.100.1", WRONG)))[0] == 401
    assert_refused(*await api_get(client, PROXY, forwarded_for("198.51.100.1", ADMIN)))
    assert (await api_get(client, PROXY, forwarded_for("198.51.100.2", ADMIN)))[0] == 200, \
        "another client behind the same proxy is not refused"


async def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(proxied):
    client, guesser = proxied, fresh_address()
    for n in range(FAILURES_BEFORE_REFUSAL):
        assert (await api_get(client, guesser, forwarded_for(f"198.51.100.{n}", WRONG)))[0] == 401
    assert_refused(*await api_get(client, guesser, forwarded_for("198.51.100.99", ADMIN)))


async def kulcs_push_behind_proxy(client, address: str, password: str) -> int:
    """A one-product push to shop bolt that the trusted proxy forwards from `address`."""
    headers = {**basic("bolt", password), "Content-Type": "text/xml", "X-Forwarded-For": address}
    body = product_xml([{"termekkod": "A", "ar": "1"}])
    return (await request_from(client, PROXY, "POST", "/kulcs/bolt/products", data=body, headers=headers))[0]


async def test_kulcs_failures_behind_a_trusted_proxy_are_counted_per_forwarded_client(proxied):
    client = proxied
    await make_shop(client, password="kulcs-jelszo-123", sync_type="full")
    for _ in range(FAILURES_BEFORE_REFUSAL):
        assert await kulcs_push_behind_proxy(client, "198.51.100.1", "rossz") == 401
    assert await kulcs_push_behind_proxy(client, "198.51.100.1", "kulcs-jelszo-123") == 429
    assert await kulcs_push_behind_proxy(client, "198.51.100.2", "kulcs-jelszo-123") == 200


async def test_the_request_log_line_names_the_forwarded_client_behind_a_trusted_proxy(proxied):
    stream = io.StringIO()
    configure_logging(stream=stream)
    try:
        await api_get(proxied, PROXY, forwarded_for("198.51.100.7", ADMIN))
        await api_get(proxied, "127.0.0.1", forwarded_for("198.51.100.8", ADMIN))
    finally:
        configure_logging()
    remotes = [json.loads(line).get("remote") for line in stream.getvalue().splitlines()
               if json.loads(line).get("path") == "/api/shops"]
    assert remotes == ["198.51.100.7", "127.0.0.1"], remotes


# --- IPv6: a client owns its whole /64 and may take any address in it -------------------------------

async def test_ipv6_addresses_of_one_64_share_a_failure_count(proxied):
    client = proxied
    for n in range(FAILURES_BEFORE_REFUSAL):
        assert (await api_get(client, PROXY, forwarded_for(f"2001:db8:1:2::{n + 1:x}", WRONG)))[0] == 401
    assert_refused(*await api_get(client, PROXY, forwarded_for("2001:db8:1:2:ffff:ffff:ffff:ffff", ADMIN)))
    assert (await api_get(client, PROXY, forwarded_for("2001:db8:1:3::1", ADMIN)))[0] == 200, \
        "the next /64 is another client"


async def test_an_ipv4_mapped_ipv6_address_shares_the_count_of_its_ipv4_address(proxied):
    client = proxied
    for _ in range(FAILURES_BEFORE_REFUSAL):
        assert (await api_get(client, PROXY, forwarded_for("::ffff:198.51.100.20", WRONG)))[0] == 401
    assert_refused(*await api_get(client, PROXY, forwarded_for("198.51.100.20", ADMIN)))


async def test_kulcs_failures_from_ipv6_addresses_of_one_64_share_a_count(proxied):
    client = proxied
    await make_shop(client, password="kulcs-jelszo-123", sync_type="full")
    for n in range(FAILURES_BEFORE_REFUSAL):
        assert await kulcs_push_behind_proxy(client, f"2001:db8:5:6:{n + 1:x}::1", "rossz") == 401
    assert await kulcs_push_behind_proxy(client, "2001:db8:5:6::abcd", "kulcs-jelszo-123") == 429
    assert await kulcs_push_behind_proxy(client, "2001:db8:5:7::1", "kulcs-jelszo-123") == 200


async def test_the_log_line_names_the_real_ipv6_address_not_its_64(proxied):
    stream = io.StringIO()
    configure_logging(stream=stream)
    try:
        await api_get(proxied, PROXY, forwarded_for("2001:db8:9:9::77", WRONG))
    finally:
        configure_logging()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert {line.get("remote") for line in lines if line.get("path") == "/api/shops"} == {"2001:db8:9:9::77"}
    assert [line["remote"] for line in lines if line.get("event") == "token_auth_failed"] == ["2001:db8:9:9::77"]
