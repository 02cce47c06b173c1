"""A browser-like client for the pages: its own cookie jar, CSRF fields read from the HTML."""
from __future__ import annotations

import re
from xml.sax.saxutils import escape

import aiohttp

from ledger.http.keys import POOL
from ledger.service.tokens import create_token
from tests.http.helpers import basic, make_shop, settled
from tests.kulcs_docs import product_xml

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]*)"')
KULCS = {**basic("bolt", "kulcs-jelszo"), "Content-Type": "text/xml"}


class Browser:
    def __init__(self, client, address: str | None = None) -> None:
        """`address`: the local address to send from (a sign-in's failures are counted per address)."""
        self.client = client
        connector = aiohttp.TCPConnector(local_addr=(address, 0)) if address else None
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), connector=connector)

    def url(self, path: str) -> str:
        return str(self.client.make_url(path))

    async def get(self, path: str, **kwargs) -> aiohttp.ClientResponse:
        kwargs.setdefault("allow_redirects", False)
        return await self.http.get(self.url(path), **kwargs)

    async def post(self, path: str, data: dict, **kwargs) -> aiohttp.ClientResponse:
        kwargs.setdefault("allow_redirects", False)
        return await self.http.post(self.url(path), data=data, **kwargs)

    async def text(self, path: str, status: int = 200) -> str:
        response = await self.get(path)
        body = await response.text()
        assert response.status == status, (path, response.status, body[:2000])
        return body

    async def csrf(self, path: str = "/ui/sign-in") -> str:
        response = await self.get(path)
        match = CSRF_FIELD.search(await response.text())
        assert match, f"no CSRF field on {path}"
        return match.group(1)

    async def sign_in(self, token: str) -> "Browser":
        response = await self.post("/ui/sign-in", {"csrf": await self.csrf(), "token": token, "next": "/ui/"})
        assert response.status == 303, await response.text()
        return self

    def cookie(self, name: str) -> str | None:
        found = self.http.cookie_jar.filter_cookies(self.client.make_url("/ui/"))
        return found[name].value if name in found else None

    async def close(self) -> None:
        await self.http.close()


async def new_token(client, role: str, shop: str | None = None) -> str:
    async with client.server.app[POOL].acquire() as conn:
        return await create_token(conn, role, shop)


async def push(client, rows, shop_auth=KULCS) -> str:
    """A Kulcs products push through its URL; answers the sync id."""
    response = await client.post("/kulcs/bolt/products", data=product_xml(rows, "windows-1250"), headers=shop_auth)
    assert response.status == 200, await response.text()
    body = await response.text()
    return re.search(r"<szinkron>([^<]+)</szinkron>", body).group(1)


def tree_xml(categories) -> bytes:
    items = "".join(f"<kategoria><azonosito>{i}</azonosito><nev>{escape(n)}</nev><szulo>{p}</szulo></kategoria>"
                    for i, n, p in categories)
    return f'<?xml version="1.0" encoding="utf-8"?><kategoriak>{items}</kategoriak>'.encode()


async def shop_with_history(client) -> dict:
    """Shop "bolt" (full sync, managing categories) with three pushes changing KS-1's prices and stock
    (the last one with a rejected row), a category tree, and a second shop "masik"."""
    await make_shop(client, sync_type="full", manage_categories=True)
    await make_shop(client, webshopid="masik", password="masik-jelszo")
    response = await client.post("/kulcs/bolt/categories", headers=KULCS, data=tree_xml(
        [("15", "Kerti bútor", "0"), ("16", "Székek", "15"), ("17", "<b>Asztalok</b>", "15")]))
    assert response.status == 200, await response.text()
    syncs = [
        await push(client, [{"termekkod": "KS-1", "nev": "Kávéfőző <Deluxe>", "ar": "10 000",
                             "szabadraktar": "5"},
                            {"termekkod": "KS-2", "nev": "Bögre", "ar": "1 500", "szabadraktar": "40"}]),
        await push(client, [{"termekkod": "KS-1", "ar": "11 000", "arakcios": "9 990", "szabadraktar": "3"}]),
        await push(client, [{"termekkod": "KS-1", "ar": "12 500", "arakcios": "0", "szabadraktar": "8"},
                            {"termekkod": "", "ar": "1"}]),
    ]
    await settled(client)
    return {"syncs": syncs}
