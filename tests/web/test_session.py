"""The token stays on the server: never rendered, never in a cookie; the session cookie is HttpOnly and
SameSite=Strict; everything is escaped; the pages send strict security headers."""
from __future__ import annotations

from ledger.web.session import SessionStore
from tests.conftest import ADMIN_TOKEN
from tests.web.helpers import new_token, shop_with_history


async def test_the_token_is_never_rendered_nor_put_in_a_cookie(client, browser):
    data = await shop_with_history(client)
    token = await new_token(client, "support")
    me = browser()
    anonymous_cookie = (await me.get("/ui/sign-in")).cookies["kl_session"]
    response = await me.post("/ui/sign-in", {"csrf": await me.csrf(), "token": token, "next": "/ui/shops/bolt"})
    assert response.status == 303 and response.headers["Location"] == "/ui/shops/bolt"
    cookie = response.cookies["kl_session"]
    assert cookie.value != anonymous_cookie.value, "a new session id once signed in"
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/ui"
    assert token not in cookie.value and token.split("_", 2)[2] not in cookie.value
    sync = data["syncs"][0]
    for path in ["/ui/", "/ui/shops/bolt", "/ui/shops/bolt/products", "/ui/shops/bolt/products/KS-1",
                 "/ui/shops/bolt/syncs", f"/ui/shops/bolt/syncs/{sync}", f"/ui/shops/bolt/syncs/{sync}/replay",
                 "/ui/shops/bolt/categories", "/ui/shops/bolt/price-list"]:
        response = await me.get(path)
        body = await response.text()
        assert response.status == 200, path
        assert token not in body and token.split("_", 2)[2] not in body, path
        assert token not in str(response.headers), path
        assert "kulcs-jelszo" not in body


async def test_a_wrong_token_is_refused_without_echoing_it(client, browser):
    me = browser()
    response = await me.post("/ui/sign-in", {"csrf": await me.csrf(), "token": "kl_abc_not-a-real-secret"})
    body = await response.text()
    assert response.status == 401 and "Ismeretlen vagy visszavont token." in body
    assert "not-a-real-secret" not in body
    assert (await me.get("/ui/")).status == 303


async def test_the_bootstrap_admin_token_signs_in_too(client, browser):
    me = await browser().sign_in(ADMIN_TOKEN)
    assert "adminisztrátor" in await me.text("/ui/")


async def test_sign_in_goes_back_only_to_these_pages(client, browser):
    token = await new_token(client, "auditor")
    for target, landing in (("/ui/shops/bolt/syncs?kind=products", "/ui/shops/bolt/syncs?kind=products"),
                            ("https://evil.example/", "/ui/"), ("//evil.example/ui/", "/ui/"),
                            ("/api/shops", "/ui/"), ("/ui/\\evil", "/ui/")):
        me = browser()
        html = await me.text("/ui/sign-in?next=" + target.replace("?", "%3F").replace("&", "%26"))
        assert f'name="next" value="{landing}"' in html.replace("&amp;", "&"), target
        response = await me.post("/ui/sign-in", {"csrf": await me.csrf(), "token": token, "next": target})
        assert response.headers["Location"] == landing, target


async def test_names_from_kulcs_are_escaped(client, browser):
    await shop_with_history(client)
    me = await browser().sign_in(await new_token(client, "auditor"))
    for path in ["/ui/shops/bolt/products/KS-1", "/ui/shops/bolt/products?q=%3Cdeluxe", "/ui/shops/bolt/categories"]:
        html = await me.text(path)
        assert "<Deluxe>" not in html and "<b>Asztalok</b>" not in html, path
    assert "Kávéfőző &lt;Deluxe&gt;" in await me.text("/ui/shops/bolt/products/KS-1")
    assert "&lt;b&gt;Asztalok&lt;/b&gt;" in await me.text("/ui/shops/bolt/categories")
    html = await me.text("/ui/shops/bolt/products?q=%22%3E%3Cscript%3E")
    assert "<script>" not in html and "&#34;&gt;&lt;script&gt;" in html


async def test_pages_send_strict_security_headers(client, browser):
    me = browser()
    for path in ["/ui/sign-in", "/ui/static/style.css"]:
        response = await me.get(path)
        assert response.status == 200
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'none': no script
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert (await me.get("/ui/sign-in")).headers["Cache-Control"] == "no-store"
    api = await client.get("/healthz")
    assert "Content-Security-Policy" not in api.headers, "the JSON API is left as it is"


def test_sessions_expire_when_idle_or_old_and_the_oldest_go_first_when_full():
    now = [0.0]
    store = SessionStore(idle_seconds=10, max_age_seconds=25, capacity=3, clock=lambda: now[0])
    cookie, session = store.new("kl_x_secret")
    assert store.get(cookie) is session and "secret" not in repr(session)
    now[0] = 9
    assert store.get(cookie) is session
    now[0] = 20
    assert store.get(cookie) is None, "idle for 11 s"
    cookie, session = store.new("t")
    for now[0] in (28, 36, 44):  # seen every 8 s: never idle
        assert store.get(cookie) is session
    now[0] = 46
    assert store.get(cookie) is None, "older than 25 s, however busy"
    cookies = [store.new()[0] for _ in range(4)]
    assert len(store) == 3 and store.get(cookies[0]) is None and store.get(cookies[3]) is not None
    assert store.get("") is None and store.get("x" * 500) is None


def test_anonymous_sessions_never_push_a_signed_in_one_out():
    store = SessionStore(capacity=3)
    signed_in, session = store.new("a-token")
    anonymous = [store.new()[0] for _ in range(10)]
    assert store.get(signed_in) is session
    assert len(store) == 4 and store.get(anonymous[0]) is None and store.get(anonymous[-1]) is not None
    others = [store.new(f"t{i}")[0] for i in range(3)]
    assert store.get(signed_in) is None and all(store.get(c) is not None for c in others)
