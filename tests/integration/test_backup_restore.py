"""`kulcs-ledger backup FILE` and `restore FILE`: the whole ledger (events, hash chain, recorded
requests, decision state, views) copied with PostgreSQL's own pg_dump and pg_restore, and restored only
into an empty database, whole or not at all."""
from __future__ import annotations

import asyncio

import pytest

from ledger.cli import main
from tests.integration.test_verify import filled, sql  # noqa: F401  (the fixture: shop, products, order)

TABLES = ("ledger_events", "ledger_events_chain", "kulcs_requests", "product_state", "product_view",
          "field_history", "order_state", "shops", "projection_tracking")


def fingerprint(url: str, table: str) -> str:
    return sql(url, f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t")[0][0]


async def cli(monkeypatch, capsys, url: str, *argv: str) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def empty_url(pg_server):
    url = pg_server.new_database(migrated=False)
    yield url
    pg_server.drop(url)


async def test_a_backup_restored_into_an_empty_database_is_the_same_ledger_and_verifies(
        filled, db_url, empty_url, monkeypatch, capsys, tmp_path):
    backup = tmp_path / "ledger.dump"
    code, said, _ = await cli(monkeypatch, capsys, db_url, "backup", str(backup))
    head = sql(db_url, "SELECT max(notification_id) FROM ledger_events")[0][0]
    assert code == 0 and backup.stat().st_size > 0
    assert f"up to position {head}" in said
    code, said, err = await cli(monkeypatch, capsys, empty_url, "restore", str(backup))
    assert code == 0, err
    assert f"up to position {head}" in said
    for table in TABLES:
        assert fingerprint(empty_url, table) == fingerprint(db_url, table), table
    code, said, _ = await cli(monkeypatch, capsys, empty_url, "verify")
    assert code == 0, said


async def test_restore_refuses_a_database_that_is_not_empty_and_leaves_it_as_it_was(
        filled, db_url, monkeypatch, capsys, tmp_path):
    backup = tmp_path / "ledger.dump"
    assert (await cli(monkeypatch, capsys, db_url, "backup", str(backup)))[0] == 0
    before = fingerprint(db_url, "ledger_events")
    code, _, err = await cli(monkeypatch, capsys, db_url, "restore", str(backup))
    assert code == 2
    assert err.startswith("kulcs-ledger: restore needs an empty database") and err.count("\n") == 1, err
    assert fingerprint(db_url, "ledger_events") == before


async def test_a_damaged_backup_restores_nothing_and_says_so_in_one_line(
        filled, db_url, empty_url, monkeypatch, capsys, tmp_path):
    backup = tmp_path / "ledger.dump"
    assert (await cli(monkeypatch, capsys, db_url, "backup", str(backup)))[0] == 0
    whole = backup.read_bytes()
    backup.write_bytes(whole[: len(whole) * 2 // 3])
    code, _, err = await cli(monkeypatch, capsys, empty_url, "restore", str(backup))
    assert code == 2
    assert err.startswith("kulcs-ledger: pg_restore failed") and err.count("\n") == 1, err
    assert sql(empty_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


async def test_a_backup_of_an_unreachable_database_says_so_in_one_line_and_leaves_the_last_file(
        db_url, monkeypatch, capsys, tmp_path):
    backup = tmp_path / "ledger.dump"
    backup.write_bytes(b"yesterday's backup")
    unreachable = db_url.rsplit("/", 1)[0] + "/no_such_database"
    code, _, err = await cli(monkeypatch, capsys, unreachable, "backup", str(backup))
    assert code == 2 and err.startswith("kulcs-ledger: ") and err.count("\n") == 1, err
    assert backup.read_bytes() == b"yesterday's backup"


async def test_a_pg_dump_that_fails_halfway_leaves_the_last_backup_whole_and_no_partial_file(
        filled, db_url, monkeypatch, capsys, tmp_path):
    """pg_dump writes as it reads: one that dies (a full disk, a dropped connection) leaves half a file."""
    import ledger.storage.backup as backup_module

    dying = tmp_path / "bin" / "pg_dump"
    dying.parent.mkdir()
    dying.write_text('#!/bin/sh\nfor a; do case "$a" in --file=*) printf half > "${a#--file=}";; esac; done\n'
                     'echo "pg_dump: error: could not write to output file: No space left on device" >&2\n'
                     "exit 1\n")
    dying.chmod(0o755)
    monkeypatch.setattr(backup_module, "_tool_path", lambda tool: tmp_path / "bin" / tool)
    backup = tmp_path / "ledger.dump"
    backup.write_bytes(b"yesterday's backup")
    code, _, err = await cli(monkeypatch, capsys, db_url, "backup", str(backup))
    assert code == 2
    assert err == "kulcs-ledger: pg_dump failed: pg_dump: error: could not write to output file: No space left on device\n"
    assert backup.read_bytes() == b"yesterday's backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "ledger.dump"]


async def test_a_backup_can_be_read_by_its_owner_only_even_over_a_readable_file(
        filled, db_url, monkeypatch, capsys, tmp_path):
    """It holds salted password hashes, token digests and every recorded request."""
    import os

    backup = tmp_path / "ledger.dump"
    backup.write_bytes(b"yesterday's backup")
    backup.chmod(0o644)
    stale = tmp_path / "ledger.dump.partial"  # left by a backup that was killed
    stale.write_bytes(b"")
    stale.chmod(0o666)
    old_umask = os.umask(0o022)
    try:
        code, _, err = await cli(monkeypatch, capsys, db_url, "backup", str(backup))
    finally:
        os.umask(old_umask)
    assert code == 0, err
    assert backup.stat().st_mode & 0o777 == 0o600


async def test_a_backup_copies_the_ledger_as_it_is_and_does_not_migrate_it(
        filled, db_url, empty_url, monkeypatch, capsys, tmp_path):
    """Taken before an upgrade, by the new version's command, with the old server still serving: the
    backup must be of the ledger as the old version left it, and leave that ledger alone."""
    sql(db_url, "ALTER TABLE api_tokens DROP COLUMN name;"
                " DELETE FROM schema_migrations WHERE name = '0014_api_token_names.sql'")  # the version before
    backup = tmp_path / "ledger.dump"
    code, _, err = await cli(monkeypatch, capsys, db_url, "backup", str(backup))
    assert code == 0, err
    assert sql(db_url, "SELECT count(*) FROM schema_migrations WHERE name = '0014_api_token_names.sql'") == [(0,)]
    code, said, err = await cli(monkeypatch, capsys, empty_url, "restore", str(backup))
    assert code == 0, err
    assert said.rstrip().endswith("then applied 0014_api_token_names.sql"), said


async def test_restore_refuses_a_database_holding_only_a_view_or_a_function(empty_url, monkeypatch, capsys, tmp_path):
    """Not only tables: whatever is there could be mistaken for, or mixed into, the restored ledger."""
    sql(empty_url, "CREATE VIEW leftover AS SELECT 1 AS one")
    code, _, err = await cli(monkeypatch, capsys, empty_url, "restore", str(tmp_path / "any.dump"))
    assert code == 2 and err.startswith("kulcs-ledger: restore needs an empty database"), err
    sql(empty_url, "DROP VIEW leftover")
    sql(empty_url, "CREATE FUNCTION leftover() RETURNS int LANGUAGE sql AS 'SELECT 1'")
    code, _, err = await cli(monkeypatch, capsys, empty_url, "restore", str(tmp_path / "any.dump"))
    assert code == 2 and err.startswith("kulcs-ledger: restore needs an empty database"), err


async def test_a_backup_of_a_database_without_a_ledger_says_so(empty_url, monkeypatch, capsys, tmp_path):
    code, _, err = await cli(monkeypatch, capsys, empty_url, "backup", str(tmp_path / "ledger.dump"))
    assert code == 2
    assert err == "kulcs-ledger: no ledger in this database: nothing to back up\n"
    assert list(tmp_path.iterdir()) == []
