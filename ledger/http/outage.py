"""Which exceptions mean "the database is not there right now" (answered 503, retried by clients)."""
from __future__ import annotations

import asyncio

import asyncpg
import psycopg
import psycopg_pool
from eventsourcing.persistence import DataError, InterfaceError, OperationalError

STORAGE_DOWN = (
    OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError,
    psycopg_pool.PoolTimeout, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
    asyncpg.exceptions.CannotConnectNowError, asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.TooManyConnectionsError, ConnectionError, OSError, asyncio.TimeoutError,
)
RETRY_AFTER_SECONDS = "5"

# A value the database will not store (a NUL character, a time outside its calendar): the client's
# input, so a 400, whichever check let it through.
UNSTORABLE_INPUT = (asyncpg.exceptions.DataError, psycopg.DataError, DataError)
