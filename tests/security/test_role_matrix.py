"""The authorization matrix, cell by cell: every JSON route (the role table of test_access.py, which
api.md and the OpenAPI document's `x-roles` must agree with) × every kind of principal (no token, a
garbage one, the bootstrap admin, each role untied and tied to a shop, a revoked token of each role)
× the principal's own shop and another one, each cell asserted 2xx, 401 or 403; and the same for every
page and POST action under /ui/.

What is expected follows from api.md and least privilege:
- no token, an unknown or a revoked token: 401 on every route but the public ones;
- a role the route's table entry does not name: 403;
- a token tied to a shop: 403 on another shop's routes and on what reaches beyond one shop (every shop,
  registering one, projections and their rebuild), whatever its role;
- otherwise the route does what it is asked (2xx), so a role is never refused what api.md grants it.
"""
from __future__ import annotations

import itertools

import pytest

from ledger.http import openapi
from ledger.http.keys import POOL
from ledger.service.tokens import create_token
from tests.conftest import ADMIN, ADMIN_TOKEN
from tests.counts import report_count
from tests.http.helpers import basic, fresh_address, make_shop, request_from, settled
from tests.kulcs_docs import product_xml
from tests.order_payloads import order_payload
from tests.security.test_access import EVERY_ROLE, ROLES, api_routes
from tests.web.conftest import browser  # noqa: F401  (a fixture: one person's cookie jar)

SHOPS = ("bolt", "masik")
OWN, OTHER = SHOPS
PASSWORDS = {"bolt": "kulcs-jelszo-123", "masik": "masik-jelszo-456"}
GLOBAL_ROUTES = frozenset(route for _, route in ROLES if "{shop}" not in route)

# name -> (role, the shop it is tied to, revoked); None: no usable token at all
PRINCIPALS: dict[str, tuple[str, str | None, bool] | None] = {
    "no token": None,
    "garbage token": None,
    "bootstrap admin": ("admin", None, False),
    "admin": ("admin", None, False),
    "admin@bolt": ("admin", OWN, False),
    "support": ("support", None, False),
    "support@bolt": ("support", OWN, False),
    "auditor": ("auditor", None, False),
    "auditor@bolt": ("auditor", OWN, False),
    "shop@bolt": ("shop", OWN, False),
    "revoked admin": ("admin", None, True),
    "revoked support": ("support", None, True),
    "revoked auditor": ("auditor", None, True),
    "revoked shop@bolt": ("shop", OWN, True),
}


def expected(principal: str, method: str, route: str, shop: str | None) -> int:
    """200 (any 2xx), 401 or 403."""
    allowed = ROLES[(method, route)]
    if not allowed:
        return 200
    who = PRINCIPALS[principal]
    if who is None or who[2]:
        return 401
    role, tied, _ = who
    if role not in allowed:
        return 403
    if tied is not None and (route in GLOBAL_ROUTES or shop != tied):
        return 403
    return 200


def cells() -> list[tuple[str, str, str, str | None]]:
    found = []
    for (method, route), principal in itertools.product(sorted(ROLES), PRINCIPALS):
        for shop in (SHOPS if "{shop}" in route else (None,)):
            found.append((principal, method, route, shop))
    return found


async def revoke(conn, token: str) -> None:
    await conn.execute("UPDATE api_tokens SET revoked_at = now() WHERE token_id = $1", token.split("_")[1])


async def world(client) -> dict:
    """Two shops, each with a Kulcs push (a sync to read, diff and replay) and an order; a token per
    principal."""
    syncs = {}
    for shop in SHOPS:
        await make_shop(client, webshopid=shop, password=PASSWORDS[shop], sync_type="full")
        response = await client.post(f"/kulcs/{shop}/products",
                                     data=product_xml([{"termekkod": "KS-1", "ar": "100"}]),
                                     headers={**basic(shop, PASSWORDS[shop]), "Content-Type": "text/xml"})
        assert response.status == 200, await response.text()
        syncs[shop] = response.headers.get("X-Kulcs-Sync")
    async with client.server.app[POOL].acquire() as conn:
        shop_tokens = {shop: await create_token(conn, "shop", shop) for shop in SHOPS}
        tokens = {}
        for name, who in PRINCIPALS.items():
            if who is None or name == "bootstrap admin":
                continue
            role, tied, revoked = who
            tokens[name] = await create_token(conn, role, tied)
            if revoked:
                await revoke(conn, tokens[name])
        to_revoke = await create_token(conn, "auditor", None)  # DELETE /api/tokens/{token_id}'s target
    for shop in SHOPS:
        response = await client.post(f"/api/shops/{shop}/orders", json=order_payload("1"),
                                     headers={"Authorization": f"Bearer {shop_tokens[shop]}"})
        assert response.status == 201, await response.text()
    await settled(client)
    for shop in SHOPS:
        if syncs[shop] is None:
            found = await (await client.get(f"/api/shops/{shop}/syncs", headers=ADMIN)).json()
            syncs[shop] = found[0]["sync_id"]
    headers = {"no token": {}, "garbage token": {"Authorization": "Bearer kl_nope_nope"},
               "bootstrap admin": ADMIN}
    headers.update({name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()})
    return {"syncs": syncs, "headers": headers, "token_id": to_revoke.split("_")[1]}


_fresh = itertools.count(1)


def request_for(method: str, route: str, shop: str | None, setup: dict) -> tuple[str, dict]:
    """The path and a body that the route accepts, so an allowed cell answers 2xx (revoking the same
    token again included: that is harmless, 204)."""
    n = next(_fresh)
    syncs = setup["syncs"]
    values = {"shop": shop, "sku": "KS-1", "sync_id": syncs.get(shop), "priority": "5", "order_id": "1",
              "token_id": setup["token_id"]}
    path = route.format(**values)
    query = {"/api/shops/{shop}/price-list": "?as_of=2030-01-01T00:00:00Z",
             "/api/shops/{shop}/syncs/{sync_id}/diff": f"?against={syncs.get(shop)}"}.get(route, "")
    body = {
        ("POST", "/api/shops"): {"webshopid": f"uj-{n}", "password": "uj-jelszo-789"},
        ("PATCH", "/api/shops/{shop}"): {"coupon_sku": f"KUPON-{n}"},
        ("PUT", "/api/shops/{shop}/products/{sku}"): {"name": f"Szék {n}"},
        ("PUT", "/api/shops/{shop}/products/{sku}/sale-prices/{priority}"): {"price": f"{90 + n}"},
        ("POST", "/api/shops/{shop}/syncs/{sync_id}/replay"): {"dry_run": False},
        ("POST", "/api/shops/{shop}/orders"): order_payload(f"m-{n}"),
        ("POST", "/api/tokens"): {"role": "auditor"},
    }.get((method, route), {})
    return path + query, ({"json": body} if method in ("POST", "PUT", "PATCH") else {})


@pytest.mark.parametrize("principal", list(PRINCIPALS))
async def test_every_api_cell_answers_as_the_role_table_says(client, principal):
    setup = await world(client)
    assert {(m, r) for m, r in api_routes(client.server.app) if m != "HEAD"} == set(ROLES)
    problems, checked = [], 0
    guesses = principal == "garbage token" or (PRINCIPALS[principal] or (None, None, False))[2]
    for cell_principal, method, route, shop in cells():
        if cell_principal != principal:
            continue
        want = expected(principal, method, route, shop)
        path, body = request_for(method, route, shop, setup)
        # a wrong token's every request from an address of its own: from one address, the sixth wrong
        # token in a minute is answered 429 whatever the route (test_token_guessing.py)
        address = fresh_address() if guesses else "127.0.0.1"
        got, _, answer = await request_from(client, address, method, path,
                                            headers=setup["headers"][principal], **body)
        text = answer.decode("utf-8", "replace")
        ok = (200 <= got < 300) if want == 200 else got == want
        if not ok:
            problems.append(f"{method} {path} as {principal}: {got}, expected {want}: {text[:200]}")
        checked += 1
    report_count(f"\nrole matrix ({principal}): {checked} API cells")
    assert not problems, "\n".join(problems)


def test_the_openapi_x_roles_are_the_role_table():
    """`x-roles` is what a client reads; the role table is what the matrix shows api_auth.py enforcing."""
    document = openapi.document()
    problems = []
    for (method, route), allowed in sorted(ROLES.items()):
        operation = document["paths"][route][method.lower()]
        documented = operation.get("x-roles")
        if (frozenset(documented) if documented is not None else frozenset()) != allowed:
            problems.append(f"{method} {route}: x-roles {documented}, enforced {sorted(allowed)}")
        if documented is not None and not set(documented) <= EVERY_ROLE:
            problems.append(f"{method} {route}: unknown role in {documented}")
    report_count(f"\nx-roles checked against the role table: {len(ROLES)} operations")
    assert not problems, "\n".join(problems)


def test_the_matrix_has_every_cell():
    every = cells()
    assert len(every) == len(set(every))
    report_count(f"\nrole matrix: {len(every)} API cells ({len(ROLES)} routes × {len(PRINCIPALS)} principals"
                 f" × own/other shop)")
    assert len(every) > 500


# --- the pages: the same rules as the JSON route that reads or does the same thing -----------------

# (method, page) -> the JSON route whose roles it follows
PAGES = {
    ("POST", "/ui/shops/{shop}/syncs/{sync_id}/replay"): ("POST", "/api/shops/{shop}/syncs/{sync_id}/replay"),
    ("POST", "/ui/shops/{shop}/syncs/{sync_id}/dry-run"): ("POST", "/api/shops/{shop}/syncs/{sync_id}/replay"),
    ("GET", "/ui/shops/{shop}/syncs/{sync_id}/replay"): ("POST", "/api/shops/{shop}/syncs/{sync_id}/replay"),
    ("GET", "/ui/shops/{shop}"): ("GET", "/api/shops/{shop}"),
    ("GET", "/ui/shops/{shop}/products"): ("GET", "/api/shops/{shop}/products"),
    ("GET", "/ui/shops/{shop}/products/{sku}"): ("GET", "/api/shops/{shop}/products/{sku}/history"),
    ("GET", "/ui/shops/{shop}/categories"): ("GET", "/api/shops/{shop}/categories"),
    ("GET", "/ui/shops/{shop}/price-list"): ("GET", "/api/shops/{shop}/price-list"),
    ("GET", "/ui/shops/{shop}/syncs"): ("GET", "/api/shops/{shop}/syncs"),
    ("GET", "/ui/shops/{shop}/syncs/{sync_id}"): ("GET", "/api/shops/{shop}/syncs/{sync_id}"),
    ("GET", "/ui/shops/{shop}/syncs/{sync_id}/request"): ("GET", "/api/shops/{shop}/syncs/{sync_id}/request"),
}
WEB_PRINCIPALS = [name for name in PRINCIPALS if name != "garbage token"]  # garbage cannot sign in


def page_routes(app) -> set[tuple[str, str]]:
    return {(r.method, r.resource.canonical) for r in app.router.routes()
            if r.method != "HEAD" and r.resource is not None and r.resource.canonical.startswith("/ui/shops/")}


def web_expected(principal: str, method: str, page: str, shop: str) -> int:
    """200 (or a replay's 303 to its new sync), 303 to the sign-in page, or 403."""
    answer = expected(principal, *PAGES[(method, page)], shop)
    return 303 if answer == 401 else answer


@pytest.mark.parametrize("principal", WEB_PRINCIPALS)
async def test_every_page_and_action_answers_as_its_json_route(client, browser, principal):
    setup = await world(client)
    assert page_routes(client.server.app) == set(PAGES), "a new page: add it to PAGES with its JSON route"
    me = browser()
    csrf = None
    who = PRINCIPALS[principal]
    if who is not None:
        token = ADMIN_TOKEN if principal == "bootstrap admin" else \
            setup["headers"][principal]["Authorization"].split(" ", 1)[1]
        if who[2]:  # revoked: signed in while it was valid, revoked since
            async with client.server.app[POOL].acquire() as conn:
                await conn.execute("UPDATE api_tokens SET revoked_at = NULL WHERE token_id = $1",
                                   token.split("_")[1])
        await me.sign_in(token)
        csrf = await me.csrf(f"/ui/shops/{OWN}")
        if who[2]:
            async with client.server.app[POOL].acquire() as conn:
                await revoke(conn, token)
    else:
        csrf = await me.csrf()  # an anonymous session's secret
    async with client.server.app[POOL].acquire() as conn:
        before = await conn.fetchval("SELECT count(*) FROM kulcs_requests")
    problems, checked, replays = [], 0, 0
    for (method, page), shop in itertools.product(sorted(PAGES, reverse=True), SHOPS):  # POSTs first
        want = web_expected(principal, method, page, shop)
        path = page.format(shop=shop, sku="KS-1", sync_id=setup["syncs"][shop])
        if method == "POST":
            response = await me.post(path, {"csrf": csrf, "confirm": "yes"})
        else:
            response = await me.get(path)
        got = response.status
        real_replay = method == "POST" and page.endswith("/replay")
        if want == 200 and real_replay:
            want, replays = 303, replays + 1
            ok = got == 303 and response.headers["Location"].startswith(f"/ui/shops/{shop}/syncs/")
        elif want == 303:
            ok = got == 303 and response.headers["Location"].startswith("/ui/sign-in")
        else:
            ok = got == want
        if not ok:
            problems.append(f"{method} {path} as {principal}: {got}, expected {want}"
                            f" {response.headers.get('Location', '')}")
        checked += 1
    await settled(client)
    async with client.server.app[POOL].acquire() as conn:
        after = await conn.fetchval("SELECT count(*) FROM kulcs_requests")
    report_count(f"\nrole matrix ({principal}): {checked} page cells")
    assert not problems, "\n".join(problems)
    assert after - before == replays, "only an allowed real replay writes a sync"


# --- tokens: shown once, stored as salted digests ------------------------------------------------

def test_token_create_prints_the_token_alone_on_its_last_line_and_stores_only_a_salted_digest(db_url):
    import asyncio
    import os
    import subprocess
    import sys

    import asyncpg

    migrate = subprocess.run([sys.executable, "-m", "ledger.cli", "migrate"], capture_output=True, text=True,
                             env={**os.environ, "DATABASE_URL": db_url}, timeout=120)
    assert migrate.returncode == 0, migrate.stderr
    printed = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "ledger.cli", "token", "create", "--role", "auditor"],
                              capture_output=True, text=True, env={**os.environ, "DATABASE_URL": db_url},
                              timeout=120)
        assert done.returncode == 0, done.stderr
        token = done.stdout.rstrip("\n").splitlines()[-1]
        assert token == token.strip() and token.startswith("kl_"), done.stdout
        assert token not in done.stderr and done.stdout.count(token) == 1
        printed.append(token)
    assert printed[0] != printed[1]

    async def stored():
        conn = await asyncpg.connect(db_url)
        try:
            return [dict(r) for r in await conn.fetch("SELECT * FROM api_tokens ORDER BY created_at")]
        finally:
            await conn.close()
    rows = asyncio.run(stored())
    assert len(rows) == 2 and rows[0]["salt"] != rows[1]["salt"]
    for token, row in zip(printed, rows):
        secret = token.split("_", 2)[2]
        everything = repr(row).encode() + b"".join(v for v in row.values() if isinstance(v, bytes))
        assert secret.encode() not in everything and secret not in repr(row), "the token itself is not stored"


# --- what reaches beyond one shop stays out of a shop-tied token's reach ----------------------------

async def test_a_shop_tied_token_verifies_its_own_shop_and_learns_nothing_of_another_shops_damage(client):
    """verify's whole-ledger checks (the hash chain over every shop's events, every view rebuilt in a
    scratch schema) report on every shop and hold the one shadow slot that rebuilds need: like
    GET /api/projections and their rebuild, they are for a token that is not tied to a shop."""
    setup = await world(client)
    async with client.server.app[POOL].acquire() as conn:
        tied = {"Authorization": f"Bearer {await create_token(conn, 'auditor', OWN)}"}
        # another shop's view damaged: a finding for whoever may audit every shop
        await conn.execute("UPDATE product_view SET base_price = 1 WHERE shop = $1", OTHER)
    untied = await (await client.get(f"/api/shops/{OWN}/audit/verify",
                                     headers=setup["headers"]["auditor"])).json()
    assert untied["ok"] is False and untied["problems"], untied
    response = await client.get(f"/api/shops/{OWN}/audit/verify", headers=tied)
    assert response.status == 200, await response.text()
    report = await response.json()
    assert report["ok"] is True and report["problems"] == [], f"another shop's damage leaked: {report}"
    assert report["checked"]["requests"] == 1, "the shop's own checks still run"
    async with client.server.app[POOL].acquire() as conn:
        # its own shop's damage is still found
        await conn.execute("UPDATE product_state SET version = version + 5 WHERE shop = $1", OWN)
    report = await (await client.get(f"/api/shops/{OWN}/audit/verify", headers=tied)).json()
    assert report["ok"] is False and {p["shop"] for p in report["problems"]} == {OWN}, report
