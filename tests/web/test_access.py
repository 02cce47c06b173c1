"""Roles on every page and action, with the JSON API's rules: readers are admin, support, auditor and
the shop's own token; the raw request and the price list are for auditors (admin, support, auditor);
replays, dry or real, for support only; a shop token sees its own shop and no other."""
from __future__ import annotations

import pytest

from ledger.http.keys import POOL
from tests.conftest import ADMIN, ADMIN_TOKEN
from tests.http.helpers import get_json, settled
from tests.web.helpers import new_token, shop_with_history

READER_PAGES = ["/ui/shops/bolt", "/ui/shops/bolt/products?q=KS", "/ui/shops/bolt/products/KS-1",
                "/ui/shops/bolt/syncs", "/ui/shops/bolt/syncs/{sync}", "/ui/shops/bolt/categories"]
AUDITOR_PAGES = ["/ui/shops/bolt/price-list", "/ui/shops/bolt/syncs/{sync}/request"]
SUPPORT_PAGES = ["/ui/shops/bolt/syncs/{sync}/replay"]
SUPPORT_ACTIONS = [("/ui/shops/bolt/syncs/{sync}/dry-run", {}),
                   ("/ui/shops/bolt/syncs/{sync}/replay", {"confirm": "yes"})]

ALLOWED = {  # role -> (reader pages, auditor pages, support pages and actions)
    "admin": (True, True, False),
    "support": (True, True, True),
    "auditor": (True, True, False),
    "shop": (True, False, False),
    "other-shop": (False, False, False),
}


async def token_for(client, who: str) -> str:
    if who == "admin":
        return ADMIN_TOKEN
    if who == "shop":
        return await new_token(client, "shop", "bolt")
    if who == "other-shop":
        return await new_token(client, "shop", "masik")
    return await new_token(client, who)


async def sync_count(client) -> int:
    await settled(client)
    async with client.server.app[POOL].acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM sync_log")


@pytest.mark.parametrize("who", sorted(ALLOWED))
async def test_every_page_and_action_follows_the_role_rules(client, browser, who):
    data = await shop_with_history(client)
    sync = data["syncs"][0]
    me = await browser().sign_in(await token_for(client, who))
    readers, auditors, support = ALLOWED[who]
    for paths, allowed in ((READER_PAGES, readers), (AUDITOR_PAGES, auditors), (SUPPORT_PAGES, support)):
        for path in paths:
            response = await me.get(path.format(sync=sync))
            assert response.status == (200 if allowed else 403), (who, path, response.status)
            if not allowed:
                assert "text/html" in response.headers["Content-Type"]
    before = await sync_count(client)
    csrf = await me.csrf("/ui/shops/masik" if who == "other-shop" else "/ui/shops/bolt")
    for path, form in SUPPORT_ACTIONS:
        response = await me.post(path.format(sync=sync), {"csrf": csrf, **form})
        expected = (200 if path.endswith("dry-run") else 303) if support else 403
        assert response.status == expected, (who, path, await response.text())
    assert await sync_count(client) == before + (1 if support else 0), "only support's real replay writes"


async def test_signed_out_every_page_sends_to_sign_in_and_every_action_does_nothing(client, browser):
    data = await shop_with_history(client)
    sync = data["syncs"][0]
    anonymous = browser()
    for path in ["/ui/", *READER_PAGES, *AUDITOR_PAGES, *SUPPORT_PAGES]:
        response = await anonymous.get(path.format(sync=sync))
        assert response.status == 303, path
        assert response.headers["Location"].startswith("/ui/sign-in?next=/ui/"), response.headers["Location"]
    before = await sync_count(client)
    csrf = await anonymous.csrf()  # an anonymous session's secret does not make it a signed-in one
    for path, form in SUPPORT_ACTIONS:
        response = await anonymous.post(path.format(sync=sync), {"csrf": csrf, **form})
        assert response.status == 303 and response.headers["Location"] == "/ui/sign-in"
    assert await sync_count(client) == before


async def test_a_shop_token_lands_on_its_own_shop_and_others_see_the_list(client, browser):
    await shop_with_history(client)
    own = await browser().sign_in(await new_token(client, "shop", "masik"))
    response = await own.get("/ui/")
    assert response.status == 303 and response.headers["Location"] == "/ui/shops/masik"
    auditor = await browser().sign_in(await new_token(client, "auditor"))
    html = await auditor.text("/ui/")
    assert 'href="/ui/shops/bolt"' in html and 'href="/ui/shops/masik"' in html


async def test_links_to_what_a_role_may_not_do_are_not_shown(client, browser):
    data = await shop_with_history(client)
    path = f"/ui/shops/bolt/syncs/{data['syncs'][0]}"
    shop_html = await (await browser().sign_in(await new_token(client, "shop", "bolt"))).text(path)
    auditor_html = await (await browser().sign_in(await new_token(client, "auditor"))).text(path)
    support_html = await (await browser().sign_in(await new_token(client, "support"))).text(path)
    assert "/request" not in shop_html and "price-list" not in shop_html and "dry-run" not in shop_html
    assert "/request" in auditor_html and "price-list" in auditor_html and "dry-run" not in auditor_html
    assert "dry-run" in support_html and "/replay" in support_html


async def test_a_revoked_token_ends_its_session_at_once(client, browser):
    await shop_with_history(client)
    token = await new_token(client, "auditor")
    me = await browser().sign_in(token)
    await me.text("/ui/shops/bolt")
    async with client.server.app[POOL].acquire() as conn:
        await conn.execute("UPDATE api_tokens SET revoked_at = now()")
    response = await me.get("/ui/shops/bolt")
    assert response.status == 303 and response.headers["Location"].startswith("/ui/sign-in")


async def test_unknown_shop_product_and_sync_are_404_pages(client, browser):
    data = await shop_with_history(client)
    admin = await browser().sign_in(ADMIN_TOKEN)
    for path in ["/ui/shops/nincs", "/ui/shops/nincs/products", "/ui/shops/bolt/products/NINCS",
                 "/ui/shops/bolt/syncs/not-a-uuid", "/ui/shops/bolt/syncs/00000000-0000-0000-0000-000000000000",
                 "/ui/shops/masik/syncs/" + data["syncs"][0]]:
        response = await admin.get(path)
        assert response.status == 404, path
        assert "text/html" in response.headers["Content-Type"]


async def test_the_raw_request_downloads_the_exact_bytes_never_inline(client, browser):
    data = await shop_with_history(client)
    auditor = await browser().sign_in(await new_token(client, "auditor"))
    response = await auditor.get(f"/ui/shops/bolt/syncs/{data['syncs'][1]}/request")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    raw = await client.get(f"/api/shops/bolt/syncs/{data['syncs'][1]}/request", headers=ADMIN)
    assert await response.read() == await raw.read()
    assert (await get_json(client, f"/api/shops/bolt/syncs/{data['syncs'][1]}"))["kind"] == "products"
