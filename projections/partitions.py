"""A fresh fill of the shadow views, split by product across worker processes.

Products are projected independently of one another, so partition k of n takes the product events of
the products whose id ends in a byte that is k modulo n, and partition 0 also takes every other event
(shops, categories, orders, syncs: few). Each worker reads, decodes and builds its rows in its own
interpreter: the Python work of a rebuild runs on as many cores as there are partitions, and the
server's event loop stays free while it runs.

A fill into a fresh shadow is all or nothing (a failed one is dropped with its schema), so the workers
leave the tracking row alone, which the coordinator moves once all have finished, and each writes its
products' product_view rows once, at its end, instead of once per page that changes them.

The worker is `python -m projections.partitions`; it reads its task as JSON on stdin (the database URL
may hold a password: never on a command line) and answers `{"events": N}` as its last line on stdout.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys

import asyncpg

from ledger.domain.product import Product
from ledger.gc_pause import cyclic_gc_paused
from ledger.storage.json_codecs import init_connection
from projections import product_state
from projections.decoding import decode_rows
from projections.runner import NAME, PROJECTIONS

PRODUCT_TOPICS = [Product.Created.TOPIC, Product.Changed.TOPIC]
PARTITIONS = max(1, min(4, os.cpu_count() or 1))
PAGE_SIZE = 50_000  # no reader waits on a fill's first page: few, large pages
_PAGE_QUERY = (
    "SELECT notification_id, originator_id, originator_version, topic, state FROM ledger_events"
    " WHERE notification_id > $1 AND notification_id <= $3 AND CASE WHEN topic = ANY($4::text[])"
    " THEN get_byte(uuid_send(originator_id), 15) % $5 = $6 ELSE $6 = 0 END"
    " ORDER BY notification_id LIMIT $2")


class FillFailed(RuntimeError):
    pass


async def fill_partitioned(url: str, schema: str, stop: int, partitions: int = PARTITIONS,
                           page_size: int = PAGE_SIZE) -> int:
    """Fills the fresh shadow `schema` with every event up to `stop`; answers how many were projected."""
    if stop <= 0:
        return 0
    workers: list[asyncio.subprocess.Process] = []

    async def projected_by(k: int) -> int:
        task = {"url": url, "schema": schema, "partition": k, "partitions": partitions, "stop": stop,
                "page_size": page_size}
        out, err = await workers[k].communicate(json.dumps(task).encode())
        if workers[k].returncode != 0:
            raise FillFailed(f"partition {k} of {partitions} failed (exit status {workers[k].returncode}):"
                             f" {err.decode(errors='replace')[-1500:]}")
        return json.loads(out.splitlines()[-1])["events"]

    running: list[asyncio.Task] = []
    try:
        for _ in range(partitions):
            workers.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "projections.partitions", stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE))
        running = [asyncio.create_task(projected_by(k)) for k in range(partitions)]
        projected = sum(await asyncio.gather(*running))
    finally:  # one failed (or the caller gave up): the others' work is lost anyway
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
        await asyncio.gather(*running, *(worker.wait() for worker in workers), return_exceptions=True)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"UPDATE {schema}.projection_tracking SET position = $2, updated_at = now()"
                           " WHERE name = $1", NAME, stop)
    finally:
        await conn.close()
    return projected


async def fill_partition(url: str, schema: str, partition: int, partitions: int, stop: int,
                         page_size: int = PAGE_SIZE) -> int:
    """One worker's share of the fill, on two connections of its own: one reads and the other writes,
    so that the next pages are read and built while one is written."""
    reader = await asyncpg.connect(url, server_settings={"search_path": f"{schema}, public"})
    writer = await asyncpg.connect(url, server_settings={"search_path": f"{schema}, public"})
    try:
        await init_connection(writer)

        async def read_page(after: int):
            rows = await reader.fetch(_PAGE_QUERY, after, page_size, stop, PRODUCT_TOPICS,
                                      partitions, partition)
            return await asyncio.to_thread(decode_rows, rows) if rows else []

        async def write_page(batch, memo: dict) -> None:
            async with writer.transaction():
                await writer.execute("SET LOCAL synchronous_commit TO OFF")
                for projection in PROJECTIONS:
                    await projection.apply_batch(writer, batch, memo)

        memo = {product_state.VIEW_AT_END: True}
        with cyclic_gc_paused():
            projected = await pipelined_pages(read_page, write_page, memo)
            async with writer.transaction():
                await product_state.write_remembered(writer, memo)
        return projected
    finally:
        await reader.close()
        await writer.close()


async def pipelined_pages(read_page, write_page, memo: dict) -> int:
    """Three pages at a time: page k is written (`write_page(batch, memo)`) while the rows of page k+1
    are built in a thread (from `memo`, the views as page k leaves them, when the projections can:
    `_prepare`) and page k+2 is read and decoded (`read_page(position after page k+1)`)."""
    batch = await read_page(0)
    next_page = asyncio.create_task(read_page(batch[-1].position) if batch else _nothing())
    prepared = batch and await asyncio.to_thread(_prepare, batch, memo)
    total = 0
    try:
        while batch:
            writing = asyncio.create_task(write_page(batch, memo))
            try:
                following = await next_page
                next_page = asyncio.create_task(read_page(following[-1].position) if following else _nothing())
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


def main() -> None:
    task = json.loads(sys.stdin.read())
    projected = asyncio.run(fill_partition(task["url"], task["schema"], task["partition"],
                                           task["partitions"], task["stop"], task["page_size"]))
    print(json.dumps({"events": projected}))


if __name__ == "__main__":
    main()
