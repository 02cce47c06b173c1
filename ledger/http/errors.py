"""aiohttp's exception for a status, carrying our own body: the JSON API's, Kulcs's XML and the web
pages' HTML errors all answer through it."""
from __future__ import annotations

from aiohttp import web

_EXCEPTIONS = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden,
               404: web.HTTPNotFound, 409: web.HTTPConflict, 413: web.HTTPRequestEntityTooLarge,
               422: web.HTTPUnprocessableEntity, 429: web.HTTPTooManyRequests}
HTTP_STATUSES = frozenset(_EXCEPTIONS)


def http_exception(status: int, text: str, content_type: str, headers: dict | None = None) -> web.HTTPException:
    sizes = {"max_size": 0, "actual_size": 0} if status == 413 else {}  # its message is ours, not aiohttp's
    return _EXCEPTIONS[status](text=text, content_type=content_type, headers=headers, **sizes)
