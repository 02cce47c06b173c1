"""Views rebuilt beside the live ones, in a schema of their own, while the live ones keep serving.

The shadow tables have the live tables' names in another schema; projecting with that schema first on
the search path fills them with the projections' own code (in worker processes: projections/partitions.py).
A rebuild then swaps them in, in one transaction that also holds the live tracking row, so the live
projector carries on from where the shadow stopped; verify compares them with the live ones.
"""
from __future__ import annotations

import contextlib

import asyncpg

from projections.runner import (
    NAME, VIEW_TABLES, apply_batch, event_head, next_rows, tracked_position,
)
from projections.claims import try_claim
from projections.decoding import decode_rows
from projections.partitions import fill_partitioned

TABLES = (*VIEW_TABLES, "projection_tracking")
# Tables the projections only append to: filled without indexes, which are built once at the end
# (several times faster than keeping them up to date row by row).
APPEND_ONLY = ("field_history", "price_history", "category_history", "order_history", "sync_log",
               "shop_settings_history")
# Tables the projections update but that are filled with only the key their writes need; their other
# indexes are built at the end too. (product_view: without the index on updated_at, each page's update
# of a product can stay on its heap page, HOT, instead of adding an entry to every index.)
KEYED_WHILE_FILLING = {"product_view": ("product_view_pkey",)}
INDEXED_AT_END = (*APPEND_ONLY, *KEYED_WHILE_FILLING)


class ShadowBusy(RuntimeError):
    """Another rebuild (or verify) is using this shadow schema: its fill would be dropped midway."""


@contextlib.asynccontextmanager
async def shadow_claimed(url: str, schema: str):
    """Holds `schema` for the caller (a session advisory lock) while it creates, fills and drops it; yields
    the claim's connection, for the caller's long statements (not a request pool's: its command timeout
    is for requests)."""
    conn = await asyncpg.connect(url)
    try:
        if not await try_claim(conn, schema):
            raise ShadowBusy(f"a {'verification' if schema == 'verify' else schema} of the views is already"
                             " running; try again when it has finished")
        yield conn
    finally:
        await conn.close()  # the lock goes with the session


async def create_shadow(conn, schema: str) -> None:
    await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    await conn.execute(f"CREATE SCHEMA {schema}")
    for table in TABLES:
        like = "INCLUDING DEFAULTS INCLUDING CONSTRAINTS" if table in INDEXED_AT_END else "INCLUDING ALL"
        await conn.execute(f"CREATE TABLE {schema}.{table} (LIKE public.{table} {like})")
    for table, keys in KEYED_WHILE_FILLING.items():
        await _copy_indexes(conn, schema, table, lambda name: name in keys)  # noqa: B023
    await conn.execute(f"INSERT INTO {schema}.projection_tracking (name, position) VALUES ($1, 0)", NAME)


async def index_shadow(conn, schema: str) -> None:
    """Gives the shadow tables filled without them the live tables' indexes and keys."""
    for table in INDEXED_AT_END:
        keys = KEYED_WHILE_FILLING.get(table, ())
        await _copy_indexes(conn, schema, table, lambda name: name not in keys)  # noqa: B023


async def vacuum_shadow(conn, schema: str) -> None:
    """Statistics and visibility maps for the freshly filled tables before they serve: without them the
    planner guesses about the swapped-in tables, and autovacuum's VACUUM ANALYZE of each million-row
    history table competes with the requests for a minute after the swap."""
    await conn.execute("VACUUM (ANALYZE) " + ", ".join(f"{schema}.{table}" for table in TABLES))


async def rows_differing(conn, schema: str, table: str) -> int:
    """How many rows of `table` differ between the live views and the shadow `schema`'s (as multisets)."""
    return await conn.fetchval(
        f"SELECT (SELECT count(*) FROM (SELECT * FROM public.{table} EXCEPT ALL SELECT * FROM {schema}.{table}) a)"
        f" + (SELECT count(*) FROM (SELECT * FROM {schema}.{table} EXCEPT ALL SELECT * FROM public.{table}) b)")


async def _copy_indexes(conn, schema: str, table: str, wanted) -> None:
    for definition in await conn.fetch(
            "SELECT pg_get_indexdef(i.indexrelid) AS ddl, c.conname, i.indexrelid::regclass::text AS name"
            " FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype IN ('p', 'u')"
            " WHERE i.indrelid = $1::regclass ORDER BY i.indexrelid", f"public.{table}"):
        if not wanted(definition["name"].rsplit(".", 1)[-1]):
            continue
        ddl = definition["ddl"].replace(f" ON public.{table} ", f" ON {schema}.{table} ")
        await conn.execute(ddl)
        if definition["conname"]:
            index = ddl.split(" INDEX ", 1)[1].split(" ON ", 1)[0]
            kind = "PRIMARY KEY" if definition["conname"].endswith("_pkey") else "UNIQUE"
            await conn.execute(f"ALTER TABLE {schema}.{table} ADD CONSTRAINT"
                               f" {definition['conname']} {kind} USING INDEX {index}")


async def fill_shadow(claim, url: str, schema: str) -> int:
    """Fills the fresh shadow `schema` with the events stored so far, in worker processes
    (projections/partitions.py); the caller's pool keeps serving. `claim`: `shadow_claimed`'s connection."""
    head = await event_head(claim)
    return await fill_partitioned(url, schema, head)


async def catch_up_in_transaction(conn, schema: str, stop: int) -> int:
    """Projects into `schema` up to `stop` on a connection already inside a transaction."""
    await conn.execute(f"SET LOCAL search_path TO {schema}, public")
    applied = 0
    while rows := await next_rows(conn, await tracked_position(conn), 2000, stop):
        await apply_batch(conn, decode_rows(rows))
        applied += len(rows)
    await conn.execute("SET LOCAL search_path TO public")
    return applied


async def rebuild_without_downtime(url: str, pool) -> dict:
    """Fills the shadow from `url` in worker processes, then swaps it in on one of `pool`'s connections;
    `ShadowBusy` if another rebuild is running."""
    async with shadow_claimed(url, "rebuild") as claim:
        return await _rebuild(url, pool, claim)


async def _rebuild(url: str, pool, claim) -> dict:
    async with pool.acquire() as conn:
        await create_shadow(conn, "rebuild")
    rebuilt = await fill_shadow(claim, url, "rebuild")
    await index_shadow(claim, "rebuild")  # at millions of events, longer than the server pool allows
    await vacuum_shadow(claim, "rebuild")
    async with pool.acquire() as conn:
        async with conn.transaction():
            # The whole table, not the row: a live projector page locks the row FOR UPDATE after it has
            # opened the table, and so waited for this transaction while this one's ALTER TABLE below
            # waited for it (a deadlock, found after deadlock_timeout, that failed the rebuild). Held
            # from here, a page waits before it opens anything.
            await conn.execute("LOCK TABLE public.projection_tracking IN ACCESS EXCLUSIVE MODE")
            head = await event_head(conn)
            rebuilt += await catch_up_in_transaction(conn, "rebuild", head)
            await conn.execute("DROP SCHEMA IF EXISTS retired CASCADE")
            await conn.execute("CREATE SCHEMA retired")
            for table in TABLES:
                await conn.execute(f"ALTER TABLE public.{table} SET SCHEMA retired")
                await conn.execute(f"ALTER TABLE rebuild.{table} SET SCHEMA public")
        await conn.execute("DROP SCHEMA retired CASCADE")
        await conn.execute("DROP SCHEMA rebuild CASCADE")
        position = await tracked_position(conn)
    return {"rebuilt_events": rebuilt, "position": position}
