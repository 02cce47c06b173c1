"""LISTEN that outlives its connection: a database restart or a cut connection must not leave a
listener deaf until the process restarts."""
from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import structlog

log = structlog.get_logger("notifications")
APPLICATION_NAME = "kulcs-ledger listens to"  # as pg_stat_activity shows the connection


async def keep_listening(url: str, channel: str, callback, retry_seconds: float = 1.0) -> None:
    """Calls `callback(connection, pid, channel, payload)` for each NOTIFY on `channel`, for as long as
    it runs, connecting again whenever the connection is lost; and once after each (re)connection,
    since notifications sent while it was away are lost."""
    while True:
        conn = None
        try:
            conn = await asyncpg.connect(url, server_settings={"application_name": f"{APPLICATION_NAME} {channel}"})
            await conn.add_listener(channel, callback)
            callback(conn, 0, channel, "")
            while not conn.is_closed():
                await asyncio.sleep(retry_seconds)
                await conn.execute("SELECT 1", timeout=retry_seconds * 5)  # a silent cut: lost too
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the database may be down: try again, never die
            log.warning("listener_lost", channel=channel, error=str(error)[:200], error_type=type(error).__name__)
        finally:
            if conn is not None and not conn.is_closed():
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), retry_seconds)
        await asyncio.sleep(retry_seconds)
