"""Who may do what: Kulcs's credentials on every Kulcs URL, throttling per address, the role of every
JSON route (walked from the route table), and no secret in any log line."""
from __future__ import annotations

import asyncio
import io
import json
import logging
import time

import aiohttp
import pytest
from aiohttp.test_utils import TestServer as AiohttpTestServer
from lxml import etree

from ledger.http.app import create_app
from ledger.http.keys import POOL
from ledger.http.throttle import FAILURES_BEFORE_REFUSAL
from ledger.logs import configure_logging
from ledger.service.tokens import create_token
from tests.counts import report_count
from tests.conftest import ADMIN, ADMIN_TOKEN
from tests.http.helpers import basic, fresh_address, make_shop, request_from, settled
from tests.kulcs_docs import product_xml
from tests.order_payloads import order_payload

PASSWORD, IMPORT_KEY = "kulcs-jelszo-123", "import-titok-456"
CATEGORIES = ('<?xml version="1.0" encoding="utf-8"?><kategoriak><kategoria><azonosito>15</azonosito>'
              "<nev>Kerti bútor</nev><szulo>0</szulo></kategoria></kategoriak>").encode()
CONFIRM = ('<?xml version="1.0" encoding="utf-8"?><visszaigazolas><megrendeles><azonosito>1</azonosito>'
           "</megrendeles></visszaigazolas>").encode()
KULCS_URLS = {  # name -> (method, path, body)
    "U1 products upload": ("POST", "/kulcs/bolt/products", product_xml([{"termekkod": "A", "ar": "1"}])),
    "U2 orders download": ("GET", "/kulcs/bolt/orders", None),
    "U3 orders confirm": ("POST", "/kulcs/bolt/orders/confirm", CONFIRM),
    "U4 products download": ("GET", "/kulcs/bolt/products", None),
    "U5 categories upload": ("POST", "/kulcs/bolt/categories", CATEGORIES),
}


async def kulcs_call(client, method, path, body, headers, query=""):
    headers = {**headers, **({"Content-Type": "text/xml"} if body is not None else {})}
    response = await client.request(method, path + query, data=body, headers=headers)
    return response.status, response.headers, await response.read()


@pytest.mark.parametrize("url", list(KULCS_URLS))
async def test_wrong_password_or_key_answers_401_on_every_kulcs_url(client, url):
    await make_shop(client, password=PASSWORD, import_password=IMPORT_KEY, sync_type="full")
    await make_shop(client, webshopid="masik", password="masik-jelszo")
    method, path, body = KULCS_URLS[url]
    attempts = {
        "wrong password": (basic("bolt", PASSWORD + "x"), f"?key={IMPORT_KEY}"),
        "wrong import password": (basic("bolt", PASSWORD), "?key=rossz-kulcs"),
        "missing import password": (basic("bolt", PASSWORD), ""),
        "another shop's credentials": (basic("masik", "masik-jelszo"), f"?key={IMPORT_KEY}"),
    }
    assert len(attempts) < FAILURES_BEFORE_REFUSAL
    for name, (headers, query) in attempts.items():
        status, answer_headers, answer = await kulcs_call(client, method, path, body, headers, query)
        assert status == 401, f"{name}: {status}"
        assert answer_headers.get("WWW-Authenticate", "").startswith("Basic")
        assert etree.fromstring(answer).findtext("eredmeny") == "HIBA"
    status, _, _ = await kulcs_call(client, method, path, body, basic("bolt", PASSWORD), f"?key={IMPORT_KEY}")
    assert status == 200, "the right password and key are let in"
    await settled(client)
    syncs = await (await client.get("/api/shops/bolt/syncs", headers=ADMIN)).json()
    assert len(syncs) == 1, "refused calls record nothing"


async def post_from(client, address: str, path: str, headers: dict) -> tuple[int, dict]:
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.post(client.make_url(path), data=product_xml([{"termekkod": "A", "ar": "1"}]),
                                headers={**headers, "Content-Type": "text/xml"}) as response:
            await response.read()
            return response.status, dict(response.headers)


async def test_repeated_failures_from_one_address_are_slowed_then_refused_429_for_that_address_only(client):
    await make_shop(client, password=PASSWORD, sync_type="full")
    wrong, right = basic("bolt", "rossz-jelszo"), basic("bolt", PASSWORD)
    took = []
    for _ in range(FAILURES_BEFORE_REFUSAL):
        started = time.monotonic()
        assert (await post_from(client, "127.0.0.1", "/kulcs/bolt/products", wrong))[0] == 401
        took.append(time.monotonic() - started)
    assert took[-1] > took[0] + 0.2, f"failures are slowed down: {took}"
    for headers in (wrong, right, {**right, "X-Forwarded-For": "10.9.8.7"}):
        status, answer_headers = await post_from(client, "127.0.0.1", "/kulcs/bolt/products", headers)
        assert status == 429 and int(answer_headers["Retry-After"]) > 0, (status, answer_headers)
    status, _ = await post_from(client, "127.0.0.2", "/kulcs/bolt/products", right)
    assert status == 200, "another address is not refused"
    status, _ = await post_from(client, "127.0.0.2", "/kulcs/bolt/orders/confirm", wrong)
    assert status == 401


async def test_parallel_wrong_kulcs_passwords_verify_at_most_the_limit(client):
    await make_shop(client, password=PASSWORD, sync_type="full")
    guesser, burst = fresh_address(), 4 * FAILURES_BEFORE_REFUSAL
    answers = await asyncio.gather(*(post_from(client, guesser, "/kulcs/bolt/products", basic("bolt", f"rossz-{n}"))
                                     for n in range(burst)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [401] * FAILURES_BEFORE_REFUSAL + [429] * (burst - FAILURES_BEFORE_REFUSAL), statuses


async def test_parallel_right_kulcs_passwords_from_one_address_all_succeed(client):
    await make_shop(client, password=PASSWORD, sync_type="full")
    address, burst = fresh_address(), 4 * FAILURES_BEFORE_REFUSAL
    answers = await asyncio.gather(*(post_from(client, address, "/kulcs/bolt/products", basic("bolt", PASSWORD))
                                     for _ in range(burst)))
    assert [status for status, _ in answers] == [200] * burst


async def test_kulcs_passwords_are_hashed_off_the_event_loop(client, monkeypatch):
    """Argon2 takes tens of milliseconds: on the event loop, every wrong password (and every first right
    one) stalled every other request for that long."""
    import threading

    import ledger.http.kulcs_auth as kulcs_auth

    threads = []

    def recording_verify(stored_hash, presented):
        threads.append(threading.current_thread())
        return verify(stored_hash, presented)

    verify = kulcs_auth.verify_secret
    monkeypatch.setattr(kulcs_auth, "verify_secret", recording_verify)
    await make_shop(client, password=PASSWORD, sync_type="full", import_password="import-titok")
    wrong, _ = await post_from(client, fresh_address(), "/kulcs/bolt/products", basic("bolt", "rossz"))
    right, _ = await post_from(client, fresh_address(), "/kulcs/bolt/products?key=import-titok",
                               basic("bolt", PASSWORD))
    assert (wrong, right) == (401, 200)
    assert len(threads) == 3 and threading.main_thread() not in threads
    # threads of their own: a flood of wrong passwords queues behind itself, not behind asyncio's
    # default pool's other work (a recorded request's decompression, verify's digests)
    assert all(thread.name.startswith("kulcs-passwords") for thread in threads), threads


# --- every JSON route enforces its role ------------------------------------------------------------

PUBLIC = frozenset()
EVERY_ROLE = frozenset({"admin", "support", "auditor", "shop"})
AUDITORS = frozenset({"admin", "support", "auditor"})
SUPPORT = frozenset({"support"})
ADMIN_ONLY = frozenset({"admin"})
SHOP_ONLY = frozenset({"shop"})

# (method, route) -> the roles that may use it (api.md: admin shops/settings/tokens; support what an
# auditor can plus replays and rebuilds; auditor reads; shop the webshop's own writes and reads).
ROLES = {
    ("POST", "/api/shops"): ADMIN_ONLY,
    ("GET", "/api/shops"): ADMIN_ONLY,
    ("GET", "/api/shops/{shop}"): EVERY_ROLE,
    ("PATCH", "/api/shops/{shop}"): ADMIN_ONLY,
    ("GET", "/api/shops/{shop}/products"): EVERY_ROLE,
    ("GET", "/api/shops/{shop}/products/{sku}"): EVERY_ROLE,
    ("GET", "/api/shops/{shop}/products/{sku}/history"): EVERY_ROLE,
    ("GET", "/api/shops/{shop}/products/{sku}/price-history"): EVERY_ROLE,
    ("PUT", "/api/shops/{shop}/products/{sku}"): SHOP_ONLY,
    ("PUT", "/api/shops/{shop}/products/{sku}/sale-prices/{priority}"): SHOP_ONLY,
    ("GET", "/api/shops/{shop}/categories"): EVERY_ROLE,
    ("GET", "/api/shops/{shop}/price-list"): AUDITORS,
    ("GET", "/api/shops/{shop}/syncs"): EVERY_ROLE,
    ("GET", "/api/shops/{shop}/syncs/{sync_id}"): EVERY_ROLE,
    ("GET", "/api/shops/{shop}/syncs/{sync_id}/request"): AUDITORS,
    ("GET", "/api/shops/{shop}/syncs/{sync_id}/diff"): AUDITORS,
    ("POST", "/api/shops/{shop}/syncs/{sync_id}/replay"): SUPPORT,
    ("GET", "/api/shops/{shop}/audit/verify"): AUDITORS,
    ("POST", "/api/shops/{shop}/orders"): SHOP_ONLY,
    ("GET", "/api/shops/{shop}/orders/{order_id}"): EVERY_ROLE,
    ("POST", "/api/shops/{shop}/orders/{order_id}/cancel"): SHOP_ONLY,
    ("GET", "/api/tokens"): ADMIN_ONLY,
    ("POST", "/api/tokens"): ADMIN_ONLY,
    ("DELETE", "/api/tokens/{token_id}"): ADMIN_ONLY,
    ("GET", "/api/projections"): AUDITORS,
    ("POST", "/api/projections/rebuild"): SUPPORT,
    ("GET", "/api/openapi.json"): PUBLIC,
}


def api_routes(app) -> set[tuple[str, str]]:
    """Every (method, route) under /api/ in the app's route table; HEAD stands for its GET."""
    found = set()
    for route in app.router.routes():
        canonical = route.resource.canonical if route.resource is not None else ""
        if canonical.startswith("/api/") or canonical == "/api":
            found.add((route.method, canonical))
    return found


@pytest.fixture
async def api_client(aiohttp_client, settings, db_url):
    from ledger.http import openapi

    app = create_app(settings, db_url)
    openapi.add_routes(app)  # the app factory mounts it too; adding it again is harmless
    return await aiohttp_client(app)


async def test_every_api_route_is_in_the_role_table(api_client):
    routes = api_routes(api_client.server.app)
    table = {(m, p) for m, p in ROLES} | {("HEAD", p) for m, p in ROLES if m == "GET"}
    assert routes - table == set(), "new /api routes: add them to ROLES with the roles that may use them"
    assert table - routes == set(), "routes in ROLES that the app no longer has"


async def test_every_api_route_answers_401_without_a_token_and_403_to_a_role_that_may_not_use_it(api_client):
    client = api_client
    await make_shop(client, password=PASSWORD, sync_type="full")
    await make_shop(client, webshopid="masik", password="masik-jelszo")
    await client.post("/kulcs/bolt/products", data=product_xml([{"termekkod": "KS-1", "ar": "100"}]),
                      headers={**basic("bolt", PASSWORD), "Content-Type": "text/xml"})
    await settled(client)
    sync_id = (await (await client.get("/api/shops/bolt/syncs", headers=ADMIN)).json())[0]["sync_id"]
    async with client.server.app[POOL].acquire() as conn:
        tokens = {role: await create_token(conn, role, "bolt" if role == "shop" else None)
                  for role in ("admin", "support", "auditor", "shop")}
        other_shop = await create_token(conn, "shop", "masik")
        to_revoke = await create_token(conn, "auditor", None)  # not one of the tokens the walk uses
    bearer = {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
    values = {"shop": "bolt", "sku": "KS-1", "sync_id": sync_id, "priority": "5", "order_id": "1",
              "token_id": to_revoke.split("_")[1]}
    query = {"/api/shops/{shop}/price-list": "?as_of=2030-01-01T00:00:00Z",
             "/api/shops/{shop}/syncs/{sync_id}/diff": f"?against={sync_id}"}
    checked = denied = 0
    problems = []
    for method, route in sorted(api_routes(client.server.app)):
        allowed = ROLES[("GET" if method == "HEAD" else method, route)]
        path = route.format(**values) + query.get(route, "")
        body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}

        async def status_of(headers, address="127.0.0.1"):
            status, _, answer = await request_from(client, address, method, path, headers=headers, **body)
            if method != "HEAD" and status in (401, 403):
                error = json.loads(answer)
                assert set(error) == {"error", "detail"} and error["error"], error
            return status

        if not allowed:
            statuses = {await status_of({}),
                        await status_of({"Authorization": "Bearer kl_nope_nope"}, fresh_address())}
            if statuses != {200}:
                problems.append(f"{method} {route} is public but answered {statuses}")
            checked += 1
            continue
        for name, headers in {"no token": {}, "garbage token": {"Authorization": "Bearer kl_nope_nope"},
                              "not bearer": basic("bolt", PASSWORD),
                              "revoked-looking token": {"Authorization": f"Bearer {tokens['admin']}x"}}.items():
            # each wrong token from an address of its own: from one address, the sixth wrong one in a
            # minute is answered 429 (test_token_guessing.py)
            if (status := await status_of(headers, fresh_address())) != 401:
                problems.append(f"{method} {route} with {name}: {status}, not 401")
        for role in sorted(EVERY_ROLE - allowed):
            denied += 1
            if (status := await status_of(bearer[role])) != 403:
                problems.append(f"{method} {route} as {role}: {status}, not 403")
        if "shop" in allowed and "{shop}" in route:
            if (status := await status_of({"Authorization": f"Bearer {other_shop}"})) != 403:
                problems.append(f"{method} {route} with another shop's token: {status}, not 403")
        for role in sorted(allowed):
            if (status := await status_of(bearer[role])) in (401, 403) or status >= 500:
                problems.append(f"{method} {route} as {role} (allowed): {status}")
        checked += 1
    report_count(f"\nroute table: {checked} (method, route) pairs checked, {denied} role denials checked")
    assert not problems, "\n".join(problems)


# --- no secret in any log line ---------------------------------------------------------------------

class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
async def quiet_client(aiohttp_client, settings, db_url):
    """As `serve` runs it: no aiohttp access log (ledger/serve.py passes access_log=None)."""
    server = AiohttpTestServer(create_app(settings, db_url))
    await server.start_server(access_log=None)
    return await aiohttp_client(server)


async def test_a_session_using_every_secret_writes_none_of_them_to_any_log_line(quiet_client):
    client = quiet_client
    stream, stdlib = io.StringIO(), Captured()
    configure_logging(stream=stream)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(stdlib)
    root.setLevel(logging.DEBUG)
    try:
        secrets = await session_with_every_secret(client)
    finally:
        root.removeHandler(stdlib)
        root.setLevel(old_level)
        configure_logging()
    structlog_lines = stream.getvalue().splitlines()
    assert len(structlog_lines) >= 20 and all(json.loads(line) for line in structlog_lines)
    leaks = {name: [line for line in structlog_lines + stdlib.lines if secret in line]
             for name, secret in secrets.items()}
    report_count(f"\nlog lines searched: {len(structlog_lines)} structlog + {len(stdlib.lines)} stdlib, "
          f"secrets: {len(secrets)}")
    assert not {name: lines for name, lines in leaks.items() if lines}, leaks


async def session_with_every_secret(client) -> dict[str, str]:
    new_password, new_key = "uj-kulcs-jelszo-789", "uj-import-titok-012"
    secrets = {"Kulcs password": PASSWORD, "import password": IMPORT_KEY, "admin token": ADMIN_TOKEN,
               "new Kulcs password": new_password, "new import password": new_key,
               "wrong password tried": "majdnem-jo-jelszo"}
    await make_shop(client, password=PASSWORD, import_password=IMPORT_KEY, sync_type="full")
    async with client.server.app[POOL].acquire() as conn:
        for role in ("admin", "support", "auditor", "shop"):
            secrets[f"{role} token"] = await create_token(conn, role, "bolt" if role == "shop" else None)
    xml = product_xml([{"termekkod": "KS-1", "ar": "100", "nev": "Szék"}])
    kulcs = {**basic("bolt", PASSWORD), "Content-Type": "text/xml"}
    calls = [
        client.post(f"/kulcs/bolt/products?key={IMPORT_KEY}", data=xml, headers=kulcs),
        client.post(f"/kulcs/bolt/products?webshopid=bolt&jelszo={PASSWORD}&key={IMPORT_KEY}", data=xml,
                    headers={"Content-Type": "text/xml"}),
        client.post("/kulcs/bolt/products", data=aiohttp.FormData(
            {"webshopid": "bolt", "jelszo": PASSWORD, "key": IMPORT_KEY, "xml": xml.decode()})),
        client.get(f"/kulcs/bolt/products?webshopid=bolt&jelszo={PASSWORD}&key={IMPORT_KEY}"),
        client.get(f"/kulcs/bolt/orders?key={IMPORT_KEY}", headers=basic("bolt", PASSWORD)),
        client.post(f"/kulcs/bolt/orders/confirm?key={IMPORT_KEY}", data=CONFIRM, headers=kulcs),
        client.post(f"/kulcs/bolt/categories?key={IMPORT_KEY}", data=CATEGORIES, headers=kulcs),
        client.post(f"/kulcs/bolt/products?key={IMPORT_KEY}", data=xml,
                    headers={**basic("bolt", "majdnem-jo-jelszo"), "Content-Type": "text/xml"}),
        client.post("/kulcs/bolt/products?key=majdnem-jo-jelszo", data=xml, headers=kulcs),
        client.post(f"/kulcs/bolt/products?key={IMPORT_KEY}", data=b"<nem-xml", headers=kulcs),
    ]
    for call in calls:
        (await call).release()
    shop_token = {"Authorization": f"Bearer {secrets['shop token']}"}
    for role in ("admin", "support", "auditor", "shop"):
        headers = {"Authorization": f"Bearer {secrets[f'{role} token']}"}
        for path in ("/api/shops/bolt", "/api/shops/bolt/syncs", "/api/shops/bolt/products/KS-1",
                     f"/api/shops/bolt/products?access_token={secrets[f'{role} token']}"):
            (await client.get(path, headers=headers)).release()
    (await client.put("/api/shops/bolt/products/KS-1/sale-prices/5", json={"price": "90"},
                      headers=shop_token)).release()
    (await client.post("/api/shops/bolt/orders", json=order_payload("1"), headers=shop_token)).release()
    (await client.patch("/api/shops/bolt", json={"password": new_password, "import_password": new_key},
                        headers={"Authorization": f"Bearer {secrets['admin token']}"})).release()
    (await client.patch("/api/shops/bolt", json={"password": "abc"}, headers=ADMIN)).release()
    (await client.post("/api/shops", json={"webshopid": "bolt", "password": new_password},
                       headers=ADMIN)).release()
    (await client.get("/api/shops", headers={"Authorization": f"Bearer {secrets['auditor token']}"})).release()
    (await client.post(f"/kulcs/bolt/products?key={new_key}", data=xml,
                       headers={**basic("bolt", new_password), "Content-Type": "text/xml"})).release()
    await settled(client)
    return secrets


async def test_one_shops_failures_do_not_lock_out_another_shop_calling_from_the_same_address(client):
    """Behind a reverse proxy every Kulcs call comes from the proxy's address: a shop whose password
    was changed and not yet in Kulcs must not get every other shop refused with it."""
    await make_shop(client, password=PASSWORD, sync_type="full")
    await make_shop(client, "masik", password="masik-jelszo", sync_type="full")
    for _ in range(FAILURES_BEFORE_REFUSAL):
        assert (await post_from(client, "127.0.0.3", "/kulcs/bolt/products", basic("bolt", "rossz")))[0] == 401
    assert (await post_from(client, "127.0.0.3", "/kulcs/bolt/products", basic("bolt", PASSWORD)))[0] == 429
    assert (await post_from(client, "127.0.0.3", "/kulcs/masik/products", basic("masik", "masik-jelszo")))[0] == 200
