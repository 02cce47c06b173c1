"""What each command-line command does, on DATABASE_URL or the embedded database."""
from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

import asyncpg

from ledger.config import Settings
from ledger.read.shops import shop_exists
from ledger.storage.database import eventsourcing_env, locate_database
from migrations.runner import apply_migrations
from projections.runner import event_head


@contextlib.asynccontextmanager
async def _unmigrated_connection(settings: Settings):
    database = await asyncio.to_thread(locate_database, settings.database_url, settings.data_dir)
    conn = await asyncpg.connect(database.url)
    try:
        yield database, conn
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def _database(settings: Settings):
    async with _unmigrated_connection(settings) as (database, conn):
        await apply_migrations(conn)
    yield database


@contextlib.asynccontextmanager
async def _connection(settings: Settings):
    """One connection to the migrated database, closed after the command."""
    async with _database(settings) as database:
        conn = await asyncpg.connect(database.url)
        try:
            yield conn
        finally:
            await conn.close()


async def _known_shop(conn, shop: str) -> None:
    """As the JSON API's 404: a shop that is not registered is an error, not an empty answer."""
    if not await shop_exists(conn, shop):
        raise ValueError(f"no shop {shop}")


async def migrate(settings: Settings, _args) -> str:
    async with _unmigrated_connection(settings) as (_, conn):
        applied = await apply_migrations(conn)
    return "applied: " + (", ".join(applied) if applied else "nothing (up to date)")


async def create_token(settings: Settings, args) -> str:
    from ledger.service.tokens import create_token as create

    async with _connection(settings) as conn:
        return await create(conn, args.role, args.shop, name=args.name, actor=_cli_actor())


async def list_tokens(settings: Settings, _args) -> list:
    from ledger.read.formats import plain
    from ledger.service.tokens import list_tokens as listed

    async with _connection(settings) as conn:
        return plain(await listed(conn))


async def revoke_token(settings: Settings, args) -> str:
    from ledger.service.tokens import UnknownToken, revoke_token as revoke

    async with _connection(settings) as conn:
        try:
            revoked = await revoke(conn, args.token_id, actor=_cli_actor())
        except UnknownToken as error:
            raise ValueError(str(error)) from None
    if revoked["already"]:
        return f"token {args.token_id} was already revoked at {revoked['revoked_at'].isoformat()}"
    return f"token {args.token_id} revoked"


async def create_shop(settings: Settings, args) -> str:
    from ledger.service.ledger_app import LedgerApp
    from ledger.service.shops import ShopError, create_shop as create

    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else args.password
    values = {"webshopid": args.webshopid, "password": password, "sync_type": args.sync_type,
              "import_password": args.import_password, "shipping_sku": args.shipping_sku,
              "payment_fee_sku": args.payment_fee_sku, "coupon_sku": args.coupon_sku,
              "manage_categories": args.manage_categories, "payment_due_days": args.payment_due_days}
    async with _database(settings) as database:
        app = await asyncio.to_thread(LedgerApp, env=eventsourcing_env(database.url, pool_size=1))
        try:
            await asyncio.to_thread(create, app, values, "cli")
        except ShopError as error:
            raise ValueError(str(error)) from None
        finally:
            app.close()
    return f"shop {args.webshopid} created"


async def rebuild_projections(settings: Settings, args) -> dict:
    """Fills new view tables beside the live ones, then switches over in one transaction."""
    from ledger.http.app import open_pool
    from projections.runner import status
    from projections.shadow import rebuild_without_downtime

    async with _database(settings) as database:
        pool = await open_pool(database.url, min_size=1, max_size=2)
        try:
            result = await rebuild_without_downtime(database.url, pool)
            async with pool.acquire() as conn:
                return {**result, **await status(conn)}
        finally:
            await pool.close()


async def projection_status(settings: Settings, _args) -> list:
    from projections.runner import status

    async with _connection(settings) as conn:
        return [await status(conn)]


async def history(settings: Settings, args) -> list:
    from ledger.storage.json_codecs import init_connection
    from ledger.read.products import field_history, product_exists

    async with _connection(settings) as conn:
        await init_connection(conn)
        await _known_shop(conn, args.shop)
        changes = await field_history(conn, args.shop, args.sku)
        if not changes and not await product_exists(conn, args.shop, args.sku):
            raise ValueError(f"no product {args.sku} in shop {args.shop}")
        return changes


async def replay(settings: Settings, args) -> dict:
    from uuid import UUID

    from ledger.audit.replay import replay as run_replay
    from ledger.service.ledger_app import LedgerApp
    from ledger.service.shops import ShopError

    async with _database(settings) as database:
        app = await asyncio.to_thread(LedgerApp, env=eventsourcing_env(database.url, pool_size=1))
        try:
            shop = app.fetch("SELECT * FROM shops WHERE webshopid = %s", (args.shop,))
            if not shop:
                raise ValueError(f"no shop {args.shop}")
            return await asyncio.to_thread(run_replay, app, shop[0], UUID(args.sync_id),
                                           dry_run=not args.apply, actor=_cli_actor(),
                                           max_rows=settings.max_rows)
        except ShopError as error:
            raise ValueError(str(error)) from None
        finally:
            app.close()


def _cli_actor() -> str:
    """Who runs a command from the shell, as the audit trail names them: the OS user, where known."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name and no passwd entry (a bare container)
        return "cli"


async def verify(settings: Settings, args) -> dict:
    from ledger.audit.verify import verify as run_verify
    from ledger.http.app import open_pool

    async with _database(settings) as database:
        pool = await open_pool(database.url, min_size=1, max_size=3)
        try:
            if args.shop is not None:
                async with pool.acquire() as conn:
                    await _known_shop(conn, args.shop)
            return await run_verify(database.url, pool, args.shop)
        finally:
            await pool.close()


_USER_OBJECTS = """
    SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%')
         + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))"""


async def backup(settings: Settings, args) -> str:
    from ledger.storage.backup import dump

    path = Path(args.file)
    # not migrated first: a backup taken before an upgrade is of the ledger as the running version keeps
    # it (restore applies the migrations), and the server still running is not changed under it
    async with _unmigrated_connection(settings) as (database, conn):
        if await conn.fetchval("SELECT to_regclass('ledger_events') IS NULL"):
            raise ValueError("no ledger in this database: nothing to back up")
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            head = await event_head(conn)
            await asyncio.to_thread(dump, database.url, path, snapshot)
    return f"backup {path} ({path.stat().st_size:,} bytes): the ledger up to position {head}"


async def restore(settings: Settings, args) -> str:
    """Into an empty database only: a restore never mixes two ledgers or overwrites one."""
    from ledger.storage.backup import restore as run_restore

    path = Path(args.file)
    async with _unmigrated_connection(settings) as (database, conn):
        if objects := await conn.fetchval(_USER_OBJECTS):
            raise ValueError(f"restore needs an empty database: this one holds {objects} tables, views,"
                             " sequences or functions (a new --data-dir, or a new database in DATABASE_URL)")
        await asyncio.to_thread(run_restore, database.url, path)
        applied = await apply_migrations(conn)  # a backup made by an older version, brought up to date
        head = await event_head(conn)
    upgraded = f"; then applied {', '.join(applied)}" if applied else ""
    return f"restored {path}: the ledger up to position {head}{upgraded}"
