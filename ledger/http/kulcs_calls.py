"""What every Kulcs URL does alike: credentials, the body within its limit, recording, XML answers."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from uuid import uuid4

import structlog
from aiohttp import web

from ledger.http.client_address import client_address
from ledger.http.commands import run_command
from ledger.http.errors import http_exception
from ledger.http.keys import KULCS_GATE, POOL, SETTINGS
from ledger.http.kulcs_auth import credentials_from
from ledger.http.metrics import KULCS_CALLS
from ledger.http.throttle import throttling_key
from ledger.http.middleware import name_log_line
from ledger.http.kulcs_body import BodyTooLarge, read_body, recorded_headers, recorded_query, storable
from ledger.kulcs.envelope import form_fields_and_xml, recorded_body
from ledger.kulcs.answers import error_answer
from ledger.service.calls import ReceivedCall

XML = "text/xml"
log = structlog.get_logger("kulcs")


def xml_response(body: bytes, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(body=body, status=status, content_type=XML, charset="utf-8", headers=headers)


def xml_error(status: int, message: str, headers: dict | None = None) -> web.HTTPException:
    return http_exception(status, error_answer(message).decode("utf-8"), XML, headers)


async def authenticated_shop(request: web.Request, fields: dict[str, str]):
    """The shop's row if the call carries its credentials; raises an XML 401/429 otherwise."""
    gate = request.app[KULCS_GATE]
    address, shop = client_address(request), request.match_info["shop"]
    # Counted per address and shop: behind a reverse proxy that is not in KULCS_LEDGER_TRUSTED_PROXIES
    # every call comes from the proxy's address, and one shop's wrong password must not get every other
    # shop refused.
    credentials = credentials_from(request.headers.get("Authorization"), {**request.query, **fields})
    async def fetch():
        async with request.app[POOL].acquire() as conn:
            return await conn.fetchrow("SELECT * FROM shops WHERE webshopid = $1", shop)

    async with gate.failures.attempt((throttling_key(address), shop)) as attempt:
        if retry_after := attempt.retry_after:
            raise xml_error(429, "túl sok sikertelen bejelentkezés", {"Retry-After": str(retry_after)})
        row = await gate.shop_row(shop, fetch)
        if not await gate.check(row, shop, credentials):
            delay = attempt.failed()
            log.warning("kulcs_auth_failed", shop=shop, remote=address)
            await asyncio.sleep(delay)
            raise xml_error(401, "hibás azonosító, jelszó vagy import jelszó",
                            {"WWW-Authenticate": 'Basic realm="kulcs-ledger"'})
    return row


def received_call(request: web.Request, kind: str, body: bytes, received_at: datetime) -> ReceivedCall:
    return ReceivedCall(
        sync_id=uuid4(), shop=request.match_info["shop"], kind=kind, received_at=received_at,
        method=request.method, path=request.path, query=recorded_query(request),
        content_type=storable(request.headers.get("Content-Type", "")) or None,
        headers=recorded_headers(request),
        remote=request.remote, body=body,
    )


def idempotency_key(request: web.Request) -> str | None:
    key = request.headers.get("Idempotency-Key") or request.headers.get("X-Request-Id")
    return storable(key.strip())[:200] or None if key else None


async def receive_document(request: web.Request, kind: str, command) -> web.Response:
    """U1, U3, U5: `command(call, shop_row, xml, idempotency_key)` runs on the write threads and
    answers an `Answer` (result, status, body)."""
    received_at = datetime.now(timezone.utc)
    limit = request.app[SETTINGS].max_body_bytes
    try:
        body = await read_body(request, limit)
    except BodyTooLarge:
        raise xml_error(413, f"a kérés túl nagy (legfeljebb {limit} bájt)") from None
    fields, xml = form_fields_and_xml(request.content_type, request.headers.get("Content-Type"), body)
    shop = await authenticated_shop(request, fields)
    received_bytes = len(body)
    # the password fields are masked from here on: what is recorded, hashed and replayed
    body = recorded_body(request.content_type, request.headers.get("Content-Type"), body)
    call = received_call(request, kind, body, received_at)
    structlog.contextvars.bind_contextvars(shop=call.shop, sync_id=str(call.sync_id))
    answer = await run_command(request, command, call, shop, b"" if xml is None else xml,
                               idempotency_key(request))
    KULCS_CALLS.labels(kind, answer.result.outcome).inc()
    name_log_line(request, f"kulcs_{kind}", outcome=answer.result.outcome, counts=answer.result.counts,
                  bytes=received_bytes)
    return xml_response(answer.body, answer.status)
