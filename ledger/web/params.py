"""Query-string values for the pages: a bad one is an HTML 400, never a JSON error."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from aiohttp import web

from ledger.domain.values import BUDAPEST
from ledger.web.render import http_error


FIRST_YEAR, LAST_YEAR = 1900, 9000


def day_param(request: web.Request, name: str) -> date | None:
    raw = request.query.get(name, "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise http_error(request, 400, "bad_request", f"{name}: YYYY-MM-DD") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:  # the pages add a day to it, and 9999-12-31 has none after
        raise http_error(request, 400, "bad_request", f"{name}: {FIRST_YEAR}-{LAST_YEAR}")
    return day


def day_start(day: date) -> datetime:
    """Local midnight in Budapest, as an aware instant."""
    return datetime(day.year, day.month, day.day, tzinfo=BUDAPEST)


def day_end(day: date) -> datetime:
    """The last microsecond of that Budapest day."""
    return day_start(day + timedelta(days=1)) - timedelta(microseconds=1)


def sync_id_param(request: web.Request) -> UUID:
    try:
        return UUID(request.match_info["sync_id"])
    except ValueError:
        raise http_error(request, 404, "not_found") from None


def position_param(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name, "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:  # "²" is a digit to isdigit()
        raise http_error(request, 400, "bad_request", name)
    return int(raw)


def choice_param(request: web.Request, name: str, choices) -> str | None:
    raw = request.query.get(name) or None
    if raw is not None and raw not in choices:
        raise http_error(request, 400, "bad_request", name)
    return raw
