"""The projector: pages of events, each page applied to every view with its tracking row in one
transaction, so each event changes the views exactly once, whatever crashes in between."""
from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import structlog

from ledger.gc_pause import cyclic_gc_paused

from projections import categories, orders, product_state, shop_settings, sync_log
from projections.decoding import decode_rows

NAME = "views"
PROJECTIONS = (product_state, categories, orders, sync_log, shop_settings)
VIEW_TABLES = ("product_view", "field_history", "price_history", "category_view", "category_history", "order_view", "sync_log",
               "shop_settings_history")
BATCH_SIZE = 2000
REBUILD_BATCH_SIZE = 50_000  # a rebuild has no reader waiting on its first page: fewer, larger pages
WAKE_GATHER_SECONDS = 0.03

log = structlog.get_logger("projections")


async def project_page(pool, batch_size: int = BATCH_SIZE, stop: int | None = None) -> int:
    """Applies the next page of events (up to `stop`); answers how many were applied."""
    async with pool.acquire() as conn:
        position = await tracked_position(conn)
        rows = await next_rows(conn, position, batch_size, stop)
        if not rows:
            return 0
        batch = await asyncio.to_thread(decode_rows, rows)
        async with conn.transaction():
            locked = await conn.fetchval(
                "SELECT position FROM projection_tracking WHERE name = $1 FOR UPDATE", NAME)
            if locked != position:
                return 0  # another projector got there first; the next call reads on from its position
            await conn.execute("SET LOCAL synchronous_commit TO OFF")
            await apply_batch(conn, batch)
        return len(batch)


async def next_rows(conn, position: int, batch_size: int, stop: int | None = None):
    return await conn.fetch(
        "SELECT notification_id, originator_id, originator_version, topic, state FROM ledger_events"
        " WHERE notification_id > $1 AND ($3::bigint IS NULL OR notification_id <= $3)"
        " ORDER BY notification_id LIMIT $2", position, batch_size, stop)


async def apply_batch(conn, batch, memo: dict | None = None) -> None:
    """Every view and the tracking row, inside the caller's transaction. `memo`: what the projections
    remember of the views as of this batch's start, from the caller's earlier pages on this same
    writer (None: read what they need from the views); the caller drops it if the page fails."""
    for projection in PROJECTIONS:
        await projection.apply_batch(conn, batch, memo)
    await conn.execute("UPDATE projection_tracking SET position = $2, updated_at = now()"
                       " WHERE name = $1", NAME, batch[-1].position)


async def catch_up(pool, batch_size: int = BATCH_SIZE, stop: int | None = None) -> int:
    total = 0
    while applied := await project_page(pool, batch_size, stop):
        total += applied
    return total


async def tracked_position(conn) -> int:
    return await conn.fetchval("SELECT position FROM projection_tracking WHERE name = $1", NAME) or 0


async def status(conn) -> dict:
    head = await conn.fetchval("SELECT coalesce(max(notification_id), 0) FROM ledger_events")
    position = await tracked_position(conn)
    return {"name": NAME, "position": position, "head": head, "lag": head - position}


async def rebuild(pool) -> int:
    """Projects all events again into new view tables and swaps them in for the live ones (callers stop
    live projection first); answers how many events were projected. The new tables are filled as the
    zero-downtime rebuild fills them (projections/shadow.py), on two of `pool`'s connections."""
    from projections.shadow import rebuild_without_downtime

    return (await rebuild_without_downtime(None, pool))["rebuilt_events"]


async def rebuild_pages(pool, batch_size: int, stop: int | None = None, schema: str | None = None) -> int:
    """Catch-up for a rebuild: the next page is read and decoded while the current one is written.
    `schema`: project into the tables of that schema (put first on the connections' search path)."""
    async with pool.acquire() as reader, pool.acquire() as writer:
        if schema is not None:
            for conn in (reader, writer):
                await conn.execute(f"SET search_path TO {schema}, public")
        try:
            with cyclic_gc_paused():
                return await _rebuild_pages(reader, writer, batch_size, stop)
        finally:
            if schema is not None:
                for conn in (reader, writer):
                    try:
                        await conn.execute("RESET search_path")
                    except Exception:  # never hand the pool a connection still writing to `schema`
                        conn.terminate()


async def _rebuild_pages(reader, writer, batch_size: int, stop: int | None) -> int:
    """Three pages at a time: page k is written (in its transaction, with its tracking row) while the
    rows of page k+1 are built in a thread (from `memo`, the views as page k leaves them, when the
    projections can: `_prepare`) and page k+2 is read and decoded."""
    position = await tracked_position(writer)
    # Each page's products pass through a temporary table (product_state); with the default 8 MB of
    # temporary buffers, a page of them spills to disk. (Settable only before the session's first
    # temporary table: a connection that has had one keeps what it has.)
    with contextlib.suppress(asyncpg.PostgresError):
        await writer.execute("SET temp_buffers = '64MB'")
    memo: dict = {}  # valid while this writer alone moves the position (checked on every page)
    batch = await _decoded_page(reader, position, batch_size, stop)
    next_page = asyncio.create_task(_decoded_page(reader, batch[-1].position, batch_size, stop)
                                    if batch else _nothing())
    prepared = batch and await asyncio.to_thread(_prepare, batch, memo)
    total = 0
    try:
        while batch:
            writing = asyncio.create_task(_write_page(writer, batch, memo, position))
            try:
                following = await next_page
                next_page = asyncio.create_task(_decoded_page(reader, following[-1].position, batch_size, stop)
                                                if following else _nothing())
                if following and prepared:  # page k's writing leaves the memo alone: build k+1 now
                    prepared = await asyncio.to_thread(_prepare, following, memo)
                    await writing
                else:
                    await writing
                    prepared = following and await asyncio.to_thread(_prepare, following, memo)
            except BaseException:
                if not writing.done():
                    writing.cancel()
                    with contextlib.suppress(BaseException):
                        await writing
                raise
            position = batch[-1].position
            total += len(batch)
            batch = following
        return total
    finally:
        if not next_page.done():
            next_page.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await next_page


async def _nothing() -> list:
    return []


def _prepare(batch, memo: dict) -> bool:
    """Lets each projection that can build its rows for `batch` ahead of writing; True when all could."""
    return all([projection.prepare(batch, memo) for projection in PROJECTIONS if hasattr(projection, "prepare")])


async def _write_page(writer, batch, memo: dict, position: int) -> None:
    async with writer.transaction():
        locked = await writer.fetchval(
            "SELECT position FROM projection_tracking WHERE name = $1 FOR UPDATE", NAME)
        if locked != position:
            raise RuntimeError("another projector moved the views during the rebuild")
        await writer.execute("SET LOCAL synchronous_commit TO OFF")
        await apply_batch(writer, batch, memo)


async def _decoded_page(conn, position: int, batch_size: int, stop: int | None):
    rows = await next_rows(conn, position, batch_size, stop)
    return await asyncio.to_thread(decode_rows, rows) if rows else []


class LiveProjector:
    """Follows the event log inside the server: woken by NOTIFY, and every second regardless."""

    def __init__(self, pool) -> None:
        self.pool = pool
        self._wake = asyncio.Event()
        self._caught_up = asyncio.Condition()

    def wake(self, *_args) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                await catch_up(self.pool)
                async with self._caught_up:
                    self._caught_up.notify_all()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database may be down: keep trying, never die
                log.warning("projection_failed", error=str(error), error_type=type(error).__name__)
                await asyncio.sleep(1)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            # Under a stream of small pushes, one page per push costs more than the pushes themselves:
            # let a few gather first.
            await asyncio.sleep(WAKE_GATHER_SECONDS)
            self._wake.clear()

    async def wait_for_head(self, timeout: float = 10.0) -> bool:
        """Read-your-writes: waits until the views reflect every event stored so far."""
        async with self.pool.acquire() as conn:
            head = await conn.fetchval("SELECT coalesce(max(notification_id), 0) FROM ledger_events")
        return await self.wait_for(head, timeout)

    async def wait_for(self, position: int, timeout: float = 10.0) -> bool:
        async def reached() -> bool:
            async with self.pool.acquire() as conn:
                return await tracked_position(conn) >= position

        deadline = asyncio.get_running_loop().time() + timeout
        while not await reached():
            self.wake()
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return False
            async with self._caught_up:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._caught_up.wait(), timeout=min(remaining, 0.5))
        return True
