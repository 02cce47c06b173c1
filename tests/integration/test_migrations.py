"""The migration runner on a fresh database: processes starting together (two servers, or a server
and `kulcs-ledger migrate`) apply each file once, and none of them fails."""
from __future__ import annotations

import asyncio

import asyncpg

from migrations.runner import apply_migrations, migration_files, pending_migrations


async def migrate(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        return await apply_migrations(conn)
    finally:
        await conn.close()


async def test_processes_migrating_a_fresh_database_together_all_succeed(pg_server):
    for _ in range(3):
        url = pg_server.new_database(migrated=False)
        applied = await asyncio.gather(*(migrate(url) for _ in range(4)))  # raised UniqueViolationError
        assert sorted(name for names in applied for name in names) == [p.name for p in migration_files()]
        conn = await asyncpg.connect(url)
        try:
            assert await pending_migrations(conn) == []
        finally:
            await conn.close()
        pg_server.drop(url)
