"""Server-rendered pages for auditors and support staff under /ui/ (Hungarian by default, English with
?lang=en), signed in with an API token kept server-side, every POST form guarded against CSRF."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from ledger.web import account, pages, render, sync_pages
from ledger.web.session import SESSIONS, SessionStore

STATIC = Path(__file__).parent / "static"


def add_routes(app: web.Application) -> None:
    render.setup(app)
    app[SESSIONS] = SessionStore()
    app.on_response_prepare.append(render.security_headers)
    router = app.router
    router.add_get("/ui", account.root)
    router.add_get("/ui/", account.home, name="ui_home")
    router.add_get("/ui/sign-in", account.sign_in_form, name="ui_sign_in")
    router.add_post("/ui/sign-in", account.sign_in)
    router.add_post("/ui/sign-out", account.sign_out, name="ui_sign_out")
    router.add_static("/ui/static/", STATIC, name="ui_static")
    shop = "/ui/shops/{shop}"
    router.add_get(shop, pages.overview, name="ui_shop")
    router.add_get(shop + "/products", pages.product_search, name="ui_products")
    router.add_get(shop + "/products/{sku}", pages.product, name="ui_product")
    router.add_get(shop + "/categories", pages.categories, name="ui_categories")
    router.add_get(shop + "/price-list", pages.shop_price_list, name="ui_price_list")
    router.add_get(shop + "/syncs", sync_pages.sync_log, name="ui_syncs")
    router.add_get(shop + "/syncs/{sync_id}", sync_pages.show_sync, name="ui_sync")
    router.add_get(shop + "/syncs/{sync_id}/request", sync_pages.raw_request, name="ui_sync_request")
    router.add_post(shop + "/syncs/{sync_id}/dry-run", sync_pages.dry_run, name="ui_sync_dry_run")
    router.add_get(shop + "/syncs/{sync_id}/replay", sync_pages.replay_form, name="ui_sync_replay")
    router.add_post(shop + "/syncs/{sync_id}/replay", sync_pages.replay_for_real)
