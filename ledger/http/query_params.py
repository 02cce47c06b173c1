"""Query-string values, each parsed with a clear 400 when it is not what it should be."""
from __future__ import annotations

from datetime import datetime, timezone
from uuid import UUID

from aiohttp import web

from ledger.http.api_auth import json_error


def parse_instant(raw: str, naive_zone=timezone.utc) -> datetime:
    """ISO 8601; a '+' that a query string turned into a space is put back; no offset: `naive_zone`."""
    value = datetime.fromisoformat(raw.strip().replace(" ", "+").replace("Z", "+00:00"))
    value = value if value.tzinfo else value.replace(tzinfo=naive_zone)
    try:
        in_utc = value.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("outside the calendar") from None
    if not 1 < in_utc.year < 9999:
        raise ValueError("outside the range of times kept")
    return value


def time_param(request: web.Request, name: str) -> datetime | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        return parse_instant(raw)
    except ValueError:
        raise json_error(400, f"{name} must be an ISO 8601 time") from None


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
