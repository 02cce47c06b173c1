"""The address a request comes from, as every per-address count and the request log line see it."""
from __future__ import annotations

from aiohttp import web


def client_address(request: web.Request) -> str:
    return request.remote or "?"
