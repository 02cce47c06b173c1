"""Reading a Kulcs request: the body within its size limit, and what of it is recorded."""
from __future__ import annotations

import asyncio

from aiohttp import web

from ledger.kulcs.envelope import SECRET_FIELDS
from ledger.malloc import release_freed_memory

KEPT_HEADERS = ("Content-Type", "Content-Length", "Content-Encoding", "User-Agent",
                "Idempotency-Key", "X-Request-Id", "X-Forwarded-For")


class BodyTooLarge(Exception):
    pass


async def read_body(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge()
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(1 << 16):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    body = b"".join(chunks)
    if size >= _LARGE_BODY:
        # Its chunks (uvloop hands reads over in pieces of at most 64 KB) were allocated on the event
        # loop thread's heap, which the thread that decides the push (another malloc arena) never
        # reuses: freed, a 36 MB catalogue's stayed resident through the push (+37 MB at its peak).
        # In a thread: malloc_trim walks every arena (any thread's call trims them all), about 30 ms
        # on a fragmented 500 MB heap, which on the loop every other request would wait out.
        del chunks
        await asyncio.to_thread(release_freed_memory)
    return body


_LARGE_BODY = 1 << 20


def recorded_query(request: web.Request) -> str:
    """The query with `jelszo` and `key` masked (a form body's are: envelope.recorded_body)."""
    pairs = [(k, "***" if k.lower() in SECRET_FIELDS else v) for k, v in request.query.items()]
    return storable("&".join(f"{k}={v}" for k, v in pairs))


def recorded_headers(request: web.Request) -> dict[str, str]:
    return {h: storable(request.headers[h]) for h in KEPT_HEADERS if h in request.headers}


def storable(text: str) -> str:
    """Text PostgreSQL will store: bytes that were not UTF-8 (which aiohttp hands over as surrogates)
    and NUL characters written as backslash escapes, so that a call is recorded whatever its headers
    and query hold (a windows-1250 User-Agent, say), not refused by the database after it was read."""
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that no byte stands for
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.replace("\x00", "\\x00")
