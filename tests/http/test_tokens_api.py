"""GET/POST /api/tokens and DELETE /api/tokens/{token_id}: what `kulcs-ledger token list | create |
revoke` do, for an admin not tied to a shop; each create and revoke logs the admin who did it."""
from __future__ import annotations

import io
import json

from ledger.http.keys import POOL
from ledger.logs import configure_logging
from ledger.service.tokens import create_token
from tests.conftest import ADMIN
from tests.http.helpers import make_shop
from tests.web.conftest import browser  # noqa: F401  (a fixture: one person's cookie jar)

LISTED = {"token_id", "name", "role", "shop", "created_at", "revoked_at"}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def listed(client) -> dict[str, dict]:
    response = await client.get("/api/tokens", headers=ADMIN)
    assert response.status == 200, await response.text()
    return {t["token_id"]: t for t in await response.json()}


async def test_an_admin_creates_a_token_shown_once_that_works_at_once(client):
    await make_shop(client)
    response = await client.post("/api/tokens", json={"role": "shop", "shop": "bolt"}, headers=ADMIN)
    assert response.status == 201, await response.text()
    answer = await response.json()
    assert set(answer) == LISTED | {"token"}
    token = answer["token"]
    assert token.startswith("kl_") and token.split("_")[1] == answer["token_id"]
    assert (answer["role"], answer["shop"], answer["revoked_at"]) == ("shop", "bolt", None)
    assert (await client.get("/api/shops/bolt", headers=bearer(token))).status == 200
    assert (await client.get("/api/shops", headers=bearer(token))).status == 403, "a shop role, as asked"
    everything = await (await client.get("/api/tokens", headers=ADMIN)).text()
    assert token.split("_", 2)[2] not in everything, "shown once: the list never has it"


async def test_token_create_over_the_api_follows_the_same_rules_as_the_command_line(client):
    await make_shop(client)
    refused = {
        400: [{}, {"role": "owner"}, {"role": "shop"}, {"role": "shop", "shop": ""}, {"role": 1},
              {"role": "auditor", "shop": 5}, {"role": "auditor", "nickname": "x"}, {"role": None},
              {"role": "auditor", "name": ""}, {"role": "auditor", "name": 5}, {"role": "auditor", "name": "a\x00b"},
              {"role": "auditor", "name": "x" * 101}],
        404: [{"role": "shop", "shop": "nincs"}, {"role": "auditor", "shop": "nincs"}],
    }
    for status, bodies in refused.items():
        for body in bodies:
            response = await client.post("/api/tokens", json=body, headers=ADMIN)
            assert response.status == status, (body, response.status, await response.text())
            error = await response.json()
            assert set(error) == {"error", "detail"} and error["error"], error
    response = await client.post("/api/tokens", data=b"[1]", headers={**ADMIN, "Content-Type": "application/json"})
    assert response.status == 400
    assert await listed(client) == {}, "nothing refused was stored"
    response = await client.post("/api/tokens", json={"role": "auditor", "shop": "bolt"}, headers=ADMIN)
    assert response.status == 201 and (await response.json())["shop"] == "bolt", "any role may be tied"


async def test_the_token_list_shows_every_token_with_its_revocation_but_never_its_secret_or_digest(client):
    await make_shop(client)
    async with client.server.app[POOL].acquire() as conn:
        auditor = await create_token(conn, "auditor", None)
        shop = await create_token(conn, "shop", "bolt")
        await conn.execute("UPDATE api_tokens SET revoked_at = now() WHERE token_id = $1", shop.split("_")[1])
        stored = await conn.fetch("SELECT salt, digest FROM api_tokens")
    response = await client.get("/api/tokens", headers=ADMIN)
    text = await response.text()
    tokens = json.loads(text)
    assert [set(t) for t in tokens] == [LISTED, LISTED]
    assert [(t["token_id"], t["role"], t["shop"]) for t in tokens] == [
        (auditor.split("_")[1], "auditor", None), (shop.split("_")[1], "shop", "bolt")]
    assert tokens[0]["revoked_at"] is None and tokens[1]["revoked_at"] is not None
    for token in (auditor, shop):
        assert token.split("_", 2)[2] not in text
    for row in stored:
        for value in (bytes(row["salt"]), bytes(row["digest"])):
            assert value.hex() not in text.lower()


async def test_a_revoked_token_is_refused_at_once_by_the_api_and_ends_its_web_sessions(client, browser):
    await make_shop(client)
    async with client.server.app[POOL].acquire() as conn:
        token, kept = await create_token(conn, "auditor", None), await create_token(conn, "auditor", None)
    token_id = token.split("_")[1]
    me = await browser().sign_in(token)
    assert (await me.get("/ui/shops/bolt")).status == 200
    assert (await client.get("/api/shops/bolt", headers=bearer(token))).status == 200

    response = await client.delete(f"/api/tokens/{token_id}", headers=ADMIN)
    assert response.status == 204, await response.text()
    assert (await client.get("/api/shops/bolt", headers=bearer(token))).status == 401
    page = await me.get("/ui/shops/bolt")
    assert page.status == 303 and page.headers["Location"].startswith("/ui/sign-in")
    assert (await client.get("/api/shops/bolt", headers=bearer(kept))).status == 200, "only that token"
    first = (await listed(client))[token_id]["revoked_at"]
    assert first is not None

    again = await client.delete(f"/api/tokens/{token_id}", headers=ADMIN)
    assert again.status == 204, "revoking twice is harmless"
    assert (await listed(client))[token_id]["revoked_at"] == first, "and keeps when it was first revoked"


async def test_revoking_an_unknown_token_id_is_404(client):
    async with client.server.app[POOL].acquire() as conn:
        token = await create_token(conn, "auditor", None)
    for path in ("/api/tokens/0123456789ab", "/api/tokens/nope"):
        response = await client.delete(path, headers=ADMIN)
        assert response.status == 404, (path, response.status)
        error = await response.json()
        assert set(error) == {"error", "detail"} and error["error"]
    response = await client.delete(f"/api/tokens/{token}", headers=ADMIN)
    assert response.status == 404, "a whole token is not an id"
    assert token.split("_", 2)[2] not in await response.text()
    assert (await client.get("/api/projections", headers=bearer(token))).status == 200, "still valid"
    assert (await client.delete(f"/api/tokens/{token.split('_')[1]}", headers=ADMIN)).status == 204, \
        "its id is known"


async def test_creating_and_revoking_over_the_api_log_the_admin_who_did_it_and_never_the_token(client):
    stream = io.StringIO()
    configure_logging(stream=stream)
    try:
        async with client.server.app[POOL].acquire() as conn:
            admin = await create_token(conn, "admin", None)
        response = await client.post("/api/tokens", json={"role": "support"}, headers=bearer(admin))
        created = await response.json()
        assert (await client.delete(f"/api/tokens/{created['token_id']}", headers=ADMIN)).status == 204
    finally:
        configure_logging()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    by_event = {line["event"]: line for line in lines if line["event"] in ("token_created", "token_revoked")}
    assert len([line for line in lines if line["event"] == "token_created"]) == 2  # admin's own, then support
    assert by_event["token_created"]["token_id"] == created["token_id"]
    assert by_event["token_created"]["actor"] == f"token:{admin.split('_')[1]}"
    assert by_event["token_created"]["role"] == "support"
    assert by_event["token_revoked"]["token_id"] == created["token_id"]
    assert by_event["token_revoked"]["actor"] == "bootstrap-admin"
    assert created["token"].split("_", 2)[2] not in stream.getvalue()


async def test_a_token_created_with_a_name_answers_and_lists_it(client):
    response = await client.post("/api/tokens", json={"role": "auditor", "name": "könyvvizsgáló 2026"},
                                 headers=ADMIN)
    assert response.status == 201, await response.text()
    answer = await response.json()
    assert answer["name"] == "könyvvizsgáló 2026"
    assert (await listed(client))[answer["token_id"]]["name"] == "könyvvizsgáló 2026"
    unnamed = await (await client.post("/api/tokens", json={"role": "auditor", "name": None}, headers=ADMIN)).json()
    assert unnamed["name"] is None
