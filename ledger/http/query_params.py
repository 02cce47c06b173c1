"""Query-string values, each parsed with a clear 400 when it is not what it should be."""
from __future__ import annotations

from datetime import datetime, timezone
from uuid import UUID

from aiohttp import web

from ledger.http.api_auth import json_error


def time_param(request: web.Request, name: str) -> datetime | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace(" ", "+").replace("Z", "+00:00"))
    except ValueError:
        raise json_error(400, f"{name} must be an ISO 8601 time") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def int_param(request: web.Request, name: str, default: int | None, *, low: int, high: int) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise json_error(400, f"{name} must be an integer") from None
    if not low <= value <= high:
        raise json_error(400, f"{name} must be from {low} to {high}")
    return value


def uuid_param(request: web.Request, name: str) -> UUID:
    try:
        return UUID(request.match_info[name])
    except ValueError:
        raise json_error(404, f"no such {name}") from None
