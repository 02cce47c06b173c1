"""The live projector in a process of its own, beside the server.

Projecting a stream of small pushes took a fifth of the server's CPU, all of it under the server's GIL,
where the requests wait for it. Here it has an interpreter to itself: it hears the event log's NOTIFY
as before, and after each catch-up announces `PROJECTED` so that the server wakes its readers waiting
for their writes (`ProjectionWaiter.wait_for`). The server starts it and starts it again if it ends
(`keep_running`); it reads the database URL as its first line on stdin, never on a command line, and
ends when stdin closes, that is when the server is gone.

    python -m projections.live_process
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
import threading

import asyncpg
import structlog

from ledger.storage.json_codecs import init_connection
from ledger.storage.notifications import keep_listening
from projections.runner import LiveProjector

PROJECTED = "kulcs_projected"
RESTART_PAUSE_SECONDS = 1.0

log = structlog.get_logger("projections")


async def keep_running(url: str) -> None:
    """The projector process, started again whenever it ends, until cancelled."""
    while True:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "projections.live_process", stdin=asyncio.subprocess.PIPE)
        try:
            child.stdin.write(json.dumps({"url": url}).encode() + b"\n")
            await child.stdin.drain()
            returncode = await child.wait()
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
        log.warning("projector_process_ended", returncode=returncode)
        await asyncio.sleep(RESTART_PAUSE_SECONDS)


async def follow(url: str) -> None:
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2, init=init_connection)

    async def announce() -> None:
        async with pool.acquire() as conn:
            await conn.execute(f"NOTIFY {PROJECTED}")

    projector = LiveProjector(pool, announce=announce)
    listening = asyncio.create_task(keep_listening(url, "ledger_events", projector.wake))
    try:
        await projector.run()
    finally:
        listening.cancel()


def _end_with_the_server() -> None:
    sys.stdin.buffer.read()
    os._exit(0)


def main() -> None:
    from ledger.gc_pause import freeze_long_lived
    from ledger.logs import configure_logging, send_library_logs_to_json

    configure_logging(cache=True)
    send_library_logs_to_json()
    freeze_long_lived()
    task = json.loads(sys.stdin.buffer.readline())
    threading.Thread(target=_end_with_the_server, daemon=True).start()
    try:
        asyncio.run(follow(task["url"]))
    except Exception as error:  # e.g. the database is down at start: the server starts us again
        log.warning("projector_cannot_start", error=str(error)[:200], error_type=type(error).__name__)
        # not sys.exit: finalizing the interpreter while the thread above reads stdin aborts it (SIGABRT)
        os._exit(1)


if __name__ == "__main__":
    main()
