"""The sync log, one sync (its counts, rejected rows and changes), its raw request, and replays."""
from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from ledger.audit.replay import REPLAYABLE, replay
from ledger.domain.sync import KINDS
from ledger.http.api_auth import AUDITORS, READERS, SUPPORT
from ledger.http.commands import run_command
from ledger.http.header_values import header_text
from ledger.http.keys import LEDGER, POOL, PROJECTOR, SETTINGS
from ledger.read import syncs as read
from ledger.service.shops import ShopError
from ledger.web.auth import checked_form
from ledger.web.pages import open_shop
from ledger.web.params import choice_param, day_param, day_start, position_param, sync_id_param
from ledger.web.render import http_error, page, see_other

OUTCOMES = ("applied", "partial", "rejected", "ignored", "duplicate")
PAGE_SIZE = 50


async def sync_log(request: web.Request) -> web.Response:
    _, shop = await open_shop(request, READERS)
    kind = choice_param(request, "kind", KINDS)
    outcome = choice_param(request, "outcome", OUTCOMES)
    first, last = day_param(request, "from"), day_param(request, "to")
    before = position_param(request, "before")
    async with request.app[POOL].acquire() as conn:
        found = await read.syncs(
            conn, shop, kind=kind, outcome=outcome, start=first and day_start(first),
            end=last and day_start(last + timedelta(days=1)), after=before,
            limit=PAGE_SIZE + 1)
    older = None
    if len(found) > PAGE_SIZE:
        found = found[:PAGE_SIZE]
        older = str(request.rel_url.update_query(before=found[-1]["event_position"]))
    filters = {"kind": kind or "", "outcome": outcome or "", "from": first.isoformat() if first else "",
               "to": last.isoformat() if last else ""}
    return page(request, "syncs.html", nav="syncs", syncs=found, filters=filters, kinds=KINDS,
                outcomes=OUTCOMES, older=older)


async def _sync_page(request: web.Request, shop: str, status: int = 200, **extra) -> web.Response:
    sync_id = sync_id_param(request)
    async with request.app[POOL].acquire() as conn:
        found = await read.sync(conn, shop, sync_id)
    if found is None:
        raise http_error(request, 404, "not_found")
    return page(request, "sync.html", status=status, nav="syncs", sync=found,
                replayable=found["kind"] in REPLAYABLE, **extra)


async def show_sync(request: web.Request) -> web.Response:
    _, shop = await open_shop(request, READERS)
    return await _sync_page(request, shop)


async def raw_request(request: web.Request) -> web.StreamResponse:
    """The stored bytes as a download: never rendered inline, whatever content type Kulcs sent."""
    _, shop = await open_shop(request, AUDITORS)
    sync_id = sync_id_param(request)
    async with request.app[POOL].acquire() as conn:
        row = await read.recorded_request(conn, shop, sync_id)
    if row is None:
        raise http_error(request, 404, "not_found")
    return web.Response(body=bytes(row["body"]), content_type="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{sync_id}.request"',
        "X-Kulcs-Content-Type": header_text((row["content_type"] or "")[:200]),
        "X-Kulcs-Body-SHA256": row["body_sha256"]})


async def _shop_for_replay(request: web.Request, shop: str):
    async with request.app[POOL].acquire() as conn:
        return await conn.fetchrow("SELECT * FROM shops WHERE webshopid = $1", shop)


async def _replay(request: web.Request, viewer, shop: str, dry_run: bool) -> dict:
    try:
        return await run_command(request, replay, request.app[LEDGER], await _shop_for_replay(request, shop),
                                 sync_id_param(request), dry_run=dry_run, actor=viewer.principal.name,
                                 max_rows=request.app[SETTINGS].max_rows)
    except ShopError as error:
        raise http_error(request, error.status if error.status in (400, 404, 409) else 400, "error",
                         str(error)) from None


async def dry_run(request: web.Request) -> web.Response:
    viewer, shop = await open_shop(request, SUPPORT)
    await checked_form(request, viewer.session)
    answer = await _replay(request, viewer, shop, dry_run=True)
    here = request.app.router["ui_sync"].url_for(shop=shop, sync_id=request.match_info["sync_id"])
    return await _sync_page(request, shop, dry_run=answer, lang_base=str(here))


async def replay_form(request: web.Request) -> web.Response:
    _, shop = await open_shop(request, SUPPORT)
    sync_id = sync_id_param(request)
    async with request.app[POOL].acquire() as conn:
        found = await read.sync(conn, shop, sync_id)
    if found is None or found["kind"] not in REPLAYABLE:
        raise http_error(request, 404, "not_found")
    return page(request, "replay_confirm.html", nav="syncs", sync=found, missing_confirmation=False)


async def replay_for_real(request: web.Request) -> web.Response:
    viewer, shop = await open_shop(request, SUPPORT)
    form = await checked_form(request, viewer.session)
    if form.get("confirm") != "yes":
        async with request.app[POOL].acquire() as conn:
            found = await read.sync(conn, shop, sync_id_param(request))
        if found is None:
            raise http_error(request, 404, "not_found")
        return page(request, "replay_confirm.html", status=400, nav="syncs", sync=found,
                    missing_confirmation=True, lang_base=request.path)
    answer = await _replay(request, viewer, shop, dry_run=False)
    await request.app[PROJECTOR].wait_for_head(timeout=5)
    return see_other(str(request.app.router["ui_sync"].url_for(shop=shop, sync_id=answer["sync_id"])))
