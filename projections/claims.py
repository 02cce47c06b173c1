"""One rebuild (and one verify) at a time, whichever process runs it: a session advisory lock per
shadow schema, which goes with the session that holds it."""
from __future__ import annotations


def _lock_name(schema: str) -> str:
    return f"kulcs-ledger shadow {schema}"


async def try_claim(conn, schema: str) -> bool:
    return await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", _lock_name(schema))


async def is_claimed(conn, schema: str) -> bool:
    """Whether some session holds `schema` (a bigint advisory lock is its high and low 32 bits)."""
    return await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_locks, (SELECT hashtext($1)::bigint AS k) lock"
        " WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database"
        " WHERE datname = current_database()) AND classid = ((lock.k >> 32) & 4294967295)::oid"
        " AND objid = (lock.k & 4294967295)::oid AND objsubid = 1)", _lock_name(schema))
