"""A recorded request's body as stored: a large one compressed here, not by PostgreSQL.

PostgreSQL's pglz compressed a 36 MB catalogue in ~0.9 s inside the sync's transaction (under the
event table's lock, so every other sync waited); zlib at level 1 takes ~0.3 s, releases the GIL, runs
while the document is parsed, and stores it in a sixth of the space. Small bodies are left to
PostgreSQL as before.
"""
from __future__ import annotations

import zlib
from collections.abc import Mapping
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


# A recorded call read with the bytes of its body wherever they are held: a large body the shop had
# sent before is held by the earlier call's row (migration 0015). `SELECT r.*, {HELD_BODY} FROM
# {REQUESTS_HOLDING}`, then `as_received(row)`.
REQUESTS_HOLDING = "kulcs_requests r LEFT JOIN kulcs_requests held ON held.sync_id = r.body_stored_with"
HELD_BODY = ("coalesce(held.body, r.body) AS held_body,"
             " coalesce(held.body_compression, r.body_compression) AS held_compression")


def as_received(row: Mapping) -> dict:
    """A call read with HELD_BODY, its `body` the bytes as received."""
    call = dict(row)
    call["body"] = received_form(call.pop("held_body"), call.pop("held_compression"))
    return call
