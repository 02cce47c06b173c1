"""Every POST form carries its session's CSRF secret; a missing, wrong or foreign one is refused before
anything happens (sign-in included, so nobody can be signed in to someone else's session)."""
from __future__ import annotations

import re

from ledger.http.keys import POOL
from tests.http.helpers import settled
from tests.web.helpers import CSRF_FIELD, new_token, shop_with_history

FORGED = [None, "", "x", "A" * 43]


async def sync_count(client) -> int:
    await settled(client)
    async with client.server.app[POOL].acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM sync_log")


async def test_replays_refuse_a_missing_wrong_or_other_sessions_secret(client, browser):
    data = await shop_with_history(client)
    sync = data["syncs"][0]
    token = await new_token(client, "support")
    me, other = await browser().sign_in(token), await browser().sign_in(token)
    foreign = await other.csrf("/ui/shops/bolt")
    assert foreign != await me.csrf("/ui/shops/bolt"), "each session has its own secret"
    before = await sync_count(client)
    for path, form in ((f"/ui/shops/bolt/syncs/{sync}/dry-run", {}),
                       (f"/ui/shops/bolt/syncs/{sync}/replay", {"confirm": "yes"})):
        for secret in [*FORGED, foreign]:
            fields = form if secret is None else {**form, "csrf": secret}
            response = await me.post(path, fields)
            assert response.status == 403, (path, secret)
            assert "Az űrlap lejárt vagy érvénytelen" in await response.text()
    assert await sync_count(client) == before
    response = await me.post(f"/ui/shops/bolt/syncs/{sync}/dry-run", {"csrf": await me.csrf("/ui/shops/bolt")})
    assert response.status == 200


async def test_sign_in_needs_the_forms_secret(client, browser):
    token = await new_token(client, "auditor")
    me = browser()
    await me.csrf()  # an anonymous session with its own secret
    for secret in FORGED:
        fields = {"token": token} if secret is None else {"token": token, "csrf": secret}
        response = await me.post("/ui/sign-in", fields)
        assert response.status == 403
    cookieless = browser()
    response = await cookieless.post("/ui/sign-in", {"token": token, "csrf": await me.csrf()})
    assert response.status == 403, "a secret from another browser's session"
    assert (await me.get("/ui/")).status == 303, "still signed out"


async def test_sign_out_needs_the_secret_and_then_ends_the_session(client, browser):
    me = await browser().sign_in(await new_token(client, "auditor"))
    assert (await me.post("/ui/sign-out", {"csrf": "wrong"})).status == 403
    assert (await me.get("/ui/")).status == 200, "a forged sign-out does nothing"
    old_cookie = me.cookie("kl_session")
    response = await me.post("/ui/sign-out", {"csrf": await me.csrf("/ui/")})
    assert response.status == 303 and response.headers["Location"] == "/ui/sign-in"
    assert (await me.get("/ui/")).status == 303
    replayed = browser()
    replayed.http.cookie_jar.update_cookies({"kl_session": old_cookie}, client.make_url("/ui/"))
    assert (await replayed.get("/ui/")).status == 303, "the old session id is dead on the server too"


async def test_every_post_form_on_every_page_carries_the_secret(client, browser):
    data = await shop_with_history(client)
    me = await browser().sign_in(await new_token(client, "support"))
    sync = data["syncs"][0]
    pages = ["/ui/", "/ui/shops/bolt", "/ui/shops/bolt/products", "/ui/shops/bolt/products/KS-1",
             "/ui/shops/bolt/syncs", f"/ui/shops/bolt/syncs/{sync}", f"/ui/shops/bolt/syncs/{sync}/replay",
             "/ui/shops/bolt/categories", "/ui/shops/bolt/price-list"]
    secret = me.cookie("kl_session") and await me.csrf("/ui/")
    forms = 0
    for path in pages:
        html = await me.text(path)
        for form in re.findall(r'<form method="post".*?</form>', html, re.S):
            forms += 1
            assert CSRF_FIELD.search(form).group(1) == secret, (path, form)
    assert forms >= len(pages) + 2  # sign-out everywhere, plus dry-run and replay
