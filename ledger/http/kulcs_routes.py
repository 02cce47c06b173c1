"""The five URLs Kulcs calls (kulcs-protocol.md). Thin: each hands its document to a service."""
from __future__ import annotations

from datetime import datetime, timezone

import structlog
from aiohttp import web

from ledger.domain.values import BUDAPEST, budapest_day
from ledger.http.commands import run_command
from ledger.http.metrics import KULCS_CALLS
from ledger.http.middleware import name_log_line
from ledger.http.keys import LEDGER, POOL, SETTINGS
from ledger.http.query_params import parse_instant
from ledger.http.kulcs_calls import (
    XML, authenticated_shop, receive_document, received_call, xml_response,
)
from ledger.kulcs.answers import error_answer
from ledger.kulcs.products_xml import FOOTER, HEADER, render_products
from ledger.service.calls import record_plain_call, record_rejected_call
from ledger.service.category_upload import handle_category_upload
from ledger.service.order_confirm import handle_order_confirm
from ledger.service.order_download import handle_order_download
from ledger.service.product_upload import handle_product_upload


async def products_upload(request: web.Request) -> web.Response:
    ledger, max_rows = request.app[LEDGER], request.app[SETTINGS].max_rows

    def command(call, shop, xml, key):
        return handle_product_upload(ledger, call, shop["sync_type"], max_rows=max_rows, xml=xml,
                                     idempotency_key=key)
    return await receive_document(request, "products", command)


async def categories_upload(request: web.Request) -> web.Response:
    ledger = request.app[LEDGER]

    def command(call, shop, xml, key):
        manages = shop["sync_type"] == "full" and shop["manage_categories"]
        return handle_category_upload(ledger, call, manages_categories=manages, xml=xml,
                                      idempotency_key=key)
    return await receive_document(request, "categories", command)


PRODUCTS_QUERY = (
    "SELECT p.sku, p.base_price, p.sale_prices, p.stock1, p.name, p.unit, p.vat, p.image,"
    " p.description, coalesce(c.kulcs_id, c.name) AS category_label"
    " FROM product_view p LEFT JOIN category_view c"
    " ON c.shop = p.shop AND c.category_key = p.category"
    " WHERE p.shop = $1 AND ($2::timestamptz IS NULL OR p.updated_at >= $2) ORDER BY p.sku"
)
DOWNLOAD_PAGE = 1000


class _BadSince(ValueError):
    pass


def _since(request: web.Request) -> datetime | None:
    raw = request.query.get("modositva_ota")
    if not raw:
        return None
    try:
        return parse_instant(raw, BUDAPEST)
    except ValueError:
        raise _BadSince(f"érvénytelen modositva_ota: {raw[:40]}") from None


async def products_download(request: web.Request) -> web.StreamResponse:
    received_at = datetime.now(timezone.utc)
    await authenticated_shop(request, {})
    call = received_call(request, "products_download", b"", received_at)
    structlog.contextvars.bind_contextvars(shop=call.shop, sync_id=str(call.sync_id))
    try:
        since = _since(request)
    except _BadSince as error:  # recorded like a refused upload, so support sees what Kulcs asked
        await run_command(request, record_rejected_call, request.app[LEDGER], call, str(error), None)
        KULCS_CALLS.labels("products_download", "rejected").inc()
        name_log_line(request, "kulcs_products_download", outcome="rejected")
        return xml_response(error_answer(str(error), call.sync_id), 400)
    response = web.StreamResponse(headers={"X-Kulcs-Sync": str(call.sync_id)})
    response.content_type, response.charset = XML, "utf-8"
    await response.prepare(request)
    await response.write(HEADER)
    sent, today = 0, budapest_day(received_at)
    async with request.app[POOL].acquire() as conn, conn.transaction(readonly=True):
        page = []
        async for row in conn.cursor(PRODUCTS_QUERY, call.shop, since, prefetch=DOWNLOAD_PAGE):
            page.append(row)
            if len(page) == DOWNLOAD_PAGE:
                await response.write(render_products(page, today))
                sent, page = sent + len(page), []
        await response.write(render_products(page, today))
        sent += len(page)
    await response.write(FOOTER)
    await run_command(request, record_plain_call, request.app[LEDGER], call, outcome="applied",
                      counts={"sent": sent})
    KULCS_CALLS.labels("products_download", "applied").inc()
    name_log_line(request, "kulcs_products_download", counts={"sent": sent})
    await response.write_eof()
    return response


async def orders_download(request: web.Request) -> web.Response:
    received_at = datetime.now(timezone.utc)
    shop = await authenticated_shop(request, {})
    call = received_call(request, "orders_download", b"", received_at)
    structlog.contextvars.bind_contextvars(shop=call.shop, sync_id=str(call.sync_id))
    answer = await run_command(request, handle_order_download, request.app[LEDGER], call, shop)
    KULCS_CALLS.labels("orders_download", answer.result.outcome).inc()
    name_log_line(request, "kulcs_orders_download", outcome=answer.result.outcome,
                  counts=answer.result.counts)
    return xml_response(answer.body, answer.status, {"X-Kulcs-Sync": str(call.sync_id)})


async def orders_confirm(request: web.Request) -> web.Response:
    ledger = request.app[LEDGER]

    def command(call, _shop, xml, key):
        return handle_order_confirm(ledger, call, xml=xml, idempotency_key=key)
    return await receive_document(request, "orders_confirm", command)


def add_routes(app: web.Application) -> None:
    # No HEAD: a download is a recorded call (U2 hands its orders over), not a look at headers.
    app.router.add_post("/kulcs/{shop}/products", products_upload)
    app.router.add_get("/kulcs/{shop}/products", products_download, allow_head=False)
    app.router.add_post("/kulcs/{shop}/categories", categories_upload)
    app.router.add_get("/kulcs/{shop}/orders", orders_download, allow_head=False)
    app.router.add_post("/kulcs/{shop}/orders/confirm", orders_confirm)
