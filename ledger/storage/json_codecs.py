"""asyncpg connections that read and write json and jsonb as Python values."""
from __future__ import annotations

import json

import asyncpg


async def init_connection(conn: asyncpg.Connection) -> None:
    # Binary codecs, so that projections can COPY rows with JSON columns.
    await conn.set_type_codec("json", schema="pg_catalog", format="binary",
                              encoder=lambda v: json.dumps(v).encode(), decoder=json.loads)
    await conn.set_type_codec("jsonb", schema="pg_catalog", format="binary",
                              encoder=lambda v: b"\x01" + json.dumps(v).encode(),
                              decoder=lambda b: json.loads(b[1:]))
