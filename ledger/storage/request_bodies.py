"""A recorded request's body as stored: a large one compressed here, not by PostgreSQL.

PostgreSQL's pglz compressed a 36 MB catalogue in ~0.9 s inside the sync's transaction (under the
event table's lock, so every other sync waited); zlib at level 1 takes ~0.3 s, releases the GIL, runs
while the document is parsed, and stores it in a sixth of the space. Small bodies are left to
PostgreSQL as before.
"""
from __future__ import annotations

import zlib
from concurrent.futures import Future, ThreadPoolExecutor

COMPRESSED_FROM = 256 * 1024
ZLIB = "zlib"
_compressing = ThreadPoolExecutor(max_workers=2, thread_name_prefix="request-body")


def stored_form(body: bytes) -> tuple[bytes, str | None]:
    """The bytes to store and how they were compressed (None: as received)."""
    if len(body) < COMPRESSED_FROM:
        return body, None
    return zlib.compress(body, 1), ZLIB


def storing(body: bytes) -> Future:
    """`stored_form(body)`, on its way: started now in a thread for a large body."""
    if len(body) < COMPRESSED_FROM:
        done: Future = Future()
        done.set_result(stored_form(body))
        return done
    return _compressing.submit(stored_form, body)


def received_form(stored: bytes, compression: str | None) -> bytes:
    """The bytes as received, from what `stored_form` stored."""
    if compression is None:
        return bytes(stored)
    if compression == ZLIB:
        return zlib.decompress(stored)
    raise ValueError(f"unknown request body compression: {compression!r}")
