"""Reading a JSON object from a request, with a clear 400 for anything else."""
from __future__ import annotations

import json

from aiohttp import web

from ledger.http.api_auth import json_error

MAX_JSON_BYTES = 1 << 20


async def json_object(request: web.Request) -> dict:
    if request.content_length and request.content_length > MAX_JSON_BYTES:
        raise json_error(400, "request body too large")
    raw = await request.content.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise json_error(400, "request body too large")
    try:
        value = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise json_error(400, "the body is not JSON", str(error)) from None
    if not isinstance(value, dict):
        raise json_error(400, "the body must be a JSON object")
    return value
