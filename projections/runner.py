"""The projector: pages of events, each page applied to every view with its tracking row in one
transaction, so each event changes the views exactly once, whatever crashes in between."""
from __future__ import annotations

import asyncio
import contextlib

import structlog

from projections import categories, orders, product_state, shop_settings, sync_log
from projections.claims import is_claimed
from projections.decoding import decode_rows

NAME = "views"
PROJECTIONS = (product_state, categories, orders, sync_log, shop_settings)
VIEW_TABLES = ("product_view", "field_history", "price_history", "category_view", "category_history", "order_view",
               "order_history", "sync_log", "shop_settings_history")
BATCH_SIZE = 2000
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


async def event_head(conn) -> int:
    """The last stored event's position (0 before any)."""
    return await conn.fetchval("SELECT coalesce(max(notification_id), 0) FROM ledger_events")


async def status(conn) -> dict:
    head = await event_head(conn)
    position = await tracked_position(conn)
    return {"name": NAME, "position": position, "head": head, "lag": head - position,
            "rebuild_running": await is_claimed(conn, "rebuild")}


class LiveProjector:
    """Follows the event log in the projector's own process (projections/live_process.py): woken by
    NOTIFY, and every second regardless; `announce` (async) is called after each catch-up that
    projected something."""

    def __init__(self, pool, announce) -> None:
        self.pool = pool
        self._announce = announce
        self._wake = asyncio.Event()

    def wake(self, *_args) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                if await catch_up(self.pool):
                    await self._announce()
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


class ProjectionWaiter:
    """Read-your-writes for the server: waits for the projector's process to reach a position, woken
    by its announcements (`progressed`) or, failing that, by looking twice a second."""

    def __init__(self, pool) -> None:
        self.pool = pool
        self._caught_up = asyncio.Condition()
        self._notifying: set[asyncio.Task] = set()

    def progressed(self, *_args) -> None:
        task = asyncio.get_running_loop().create_task(self._notify_caught_up())
        self._notifying.add(task)
        task.add_done_callback(self._notifying.discard)

    async def _notify_caught_up(self) -> None:
        async with self._caught_up:
            self._caught_up.notify_all()

    async def wait_for_head(self, timeout: float = 10.0) -> bool:
        """Waits until the views reflect every event stored so far."""
        async with self.pool.acquire() as conn:
            head = await event_head(conn)
        return await self.wait_for(head, timeout)

    async def wait_for(self, position: int, timeout: float = 10.0) -> bool:
        async def reached() -> bool:
            async with self.pool.acquire() as conn:
                return await tracked_position(conn) >= position

        deadline = asyncio.get_running_loop().time() + timeout
        while not await reached():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return False
            async with self._caught_up:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._caught_up.wait(), timeout=min(remaining, 0.5))
        return True
