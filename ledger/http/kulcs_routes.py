"""The URLs Kulcs calls (kulcs-protocol.md). Thin: authenticate, record, answer in XML."""
from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from uuid import uuid4

import structlog
from aiohttp import web

from ledger.http.commands import run_command
from ledger.http.keys import KULCS_GATE, LEDGER, POOL, PROJECTOR, SETTINGS
from ledger.http.kulcs_auth import credentials_from
from ledger.http.kulcs_body import (
    BodyTooLarge, form_fields_and_xml, read_body, recorded_headers, recorded_query,
)
from ledger.kulcs.answers import error_answer
from ledger.domain.values import BUDAPEST, budapest_day
from ledger.kulcs.products_xml import FOOTER, HEADER, render_products
from ledger.service.calls import ReceivedCall, record_plain_call
from ledger.service.product_upload import handle_product_upload

XML = "text/xml"
log = structlog.get_logger("kulcs")


def xml_response(body: bytes, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(body=body, status=status, content_type=XML, charset="utf-8", headers=headers)


async def authenticated_shop(request: web.Request, fields: dict[str, str]):
    """The shop's row if the call carries its credentials; raises an XML 401/429 otherwise."""
    gate = request.app[KULCS_GATE]
    address = request.remote or "?"
    retry_after = gate.retry_after(address)
    if retry_after:
        raise xml_error(429, "túl sok sikertelen bejelentkezés", {"Retry-After": str(retry_after)})
    shop = request.match_info["shop"]
    credentials = credentials_from(request.headers.get("Authorization"), {**request.query, **fields})
    async with request.app[POOL].acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM shops WHERE webshopid = $1", shop)
    if not gate.check(row, shop, credentials):
        gate.record_failure(address)
        log.warning("kulcs_auth_failed", shop=shop, remote=address)
        await asyncio.sleep(gate.failure_delay(address))
        raise xml_error(401, "hibás azonosító, jelszó vagy import jelszó",
                        {"WWW-Authenticate": 'Basic realm="kulcs-ledger"'})
    return row


def xml_error(status: int, message: str, headers: dict | None = None) -> web.HTTPException:
    return _status_exception(status, error_answer(message), headers)


def _status_exception(status: int, body: bytes, headers: dict | None) -> web.HTTPException:
    exception_class = {401: web.HTTPUnauthorized, 413: web.HTTPRequestEntityTooLarge,
                       429: web.HTTPTooManyRequests, 400: web.HTTPBadRequest}[status]
    kwargs = {"max_size": 0, "actual_size": 0} if status == 413 else {}
    return exception_class(text=body.decode("utf-8"), content_type=XML, headers=headers, **kwargs)


def received_call(request: web.Request, kind: str, body: bytes, received_at: datetime) -> ReceivedCall:
    return ReceivedCall(
        sync_id=uuid4(), shop=request.match_info["shop"], kind=kind, received_at=received_at,
        method=request.method, path=request.path, query=recorded_query(request),
        content_type=request.headers.get("Content-Type"), headers=recorded_headers(request),
        remote=request.remote, body=body,
    )


async def products_upload(request: web.Request) -> web.Response:
    started = time.perf_counter()
    received_at = datetime.now(timezone.utc)
    settings = request.app[SETTINGS]
    try:
        body = await read_body(request, settings.max_body_bytes)
    except BodyTooLarge:
        raise _status_exception(413, error_answer(
            f"a kérés túl nagy (legfeljebb {settings.max_body_bytes} bájt)"), None) from None
    fields, xml = form_fields_and_xml(request.content_type, request.headers.get("Content-Type"), body)
    shop = await authenticated_shop(request, fields)
    call = received_call(request, "products", body, received_at)
    structlog.contextvars.bind_contextvars(shop=call.shop, sync_id=str(call.sync_id))
    answer = await run_command(request, handle_product_upload, request.app[LEDGER], call,
                               shop["sync_type"], max_rows=settings.max_rows,
                               xml=xml if xml is not None else b"",
                               idempotency_key=idempotency_key(request))
    request.app[PROJECTOR].wake()
    log.info("kulcs_products_upload", outcome=answer.result.outcome, counts=answer.result.counts,
             duration_ms=round((time.perf_counter() - started) * 1000, 1), bytes=len(body))
    return xml_response(answer.body, answer.status)


def idempotency_key(request: web.Request) -> str | None:
    key = request.headers.get("Idempotency-Key") or request.headers.get("X-Request-Id")
    return key.strip()[:200] or None if key else None




PRODUCTS_QUERY = (
    "SELECT p.sku, p.base_price, p.sale_prices, p.stock1, p.name, p.unit, p.vat, p.image,"
    " p.description, coalesce(c.kulcs_id, c.name) AS category_label"
    " FROM product_view p LEFT JOIN category_view c"
    " ON c.shop = p.shop AND c.category_key = p.category"
    " WHERE p.shop = $1 AND ($2::timestamptz IS NULL OR p.updated_at >= $2) ORDER BY p.sku"
)
DOWNLOAD_PAGE = 1000


async def products_download(request: web.Request) -> web.StreamResponse:
    started = time.perf_counter()
    received_at = datetime.now(timezone.utc)
    await authenticated_shop(request, {})
    since = None
    if raw_since := request.query.get("modositva_ota"):
        try:
            since = datetime.fromisoformat(raw_since.replace(" ", "+").replace("Z", "+00:00"))
        except ValueError:
            raise xml_error(400, f"érvénytelen modositva_ota: {raw_since[:40]}") from None
        since = since if since.tzinfo else since.replace(tzinfo=BUDAPEST)
    call = received_call(request, "products_download", b"", received_at)
    structlog.contextvars.bind_contextvars(shop=call.shop, sync_id=str(call.sync_id))
    response = web.StreamResponse(headers={"X-Kulcs-Sync": str(call.sync_id)})
    response.content_type, response.charset = XML, "utf-8"
    await response.prepare(request)
    await response.write(HEADER)
    sent = 0
    today = budapest_day(received_at)
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
    request.app[PROJECTOR].wake()
    log.info("kulcs_products_download", counts={"sent": sent},
             duration_ms=round((time.perf_counter() - started) * 1000, 1))
    await response.write_eof()
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_post("/kulcs/{shop}/products", products_upload)
    app.router.add_get("/kulcs/{shop}/products", products_download)
