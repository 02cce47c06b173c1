"""The command line as an operator uses it: migrate, shop create, token create, rebuild, history."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from tests.e2e.server import ServerProcess


def cli(db_url, *args, env_extra=None, check=True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db_url, **(env_extra or {})}
    result = subprocess.run([sys.executable, "-m", "ledger.cli", *args], env=env, capture_output=True,
                            text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_migrate_is_idempotent(pg_server):
    url = pg_server.new_database(migrated=False)
    assert "0001_event_store.sql" in cli(url, "migrate").stdout
    assert "up to date" in cli(url, "migrate").stdout


def test_shop_and_token_creation_then_history_and_rebuild(db_url, tmp_path):
    cli(db_url, "shop", "create", "bolt", "--password", "kulcs-jelszo", "--sync-type", "full")
    duplicate = cli(db_url, "shop", "create", "bolt", "--password", "kulcs-jelszo", check=False)
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr
    token = cli(db_url, "token", "create", "--role", "auditor").stdout.strip().splitlines()[-1]
    assert token.startswith("kl_")

    server = ServerProcess(db_url, tmp_path / "server.log")
    server.start()
    try:
        body = b"<termekek><termek><termekkod>A</termekkod><ar>5</ar></termek></termekek>"
        import base64
        auth = {"Authorization": "Basic " + base64.b64encode(b"bolt:kulcs-jelszo").decode()}
        assert server.request("POST", "/kulcs/bolt/products", body, auth)[0] == 200
        for _ in range(100):
            status, product = server.get("/api/shops/bolt/products/A",
                                         headers={"Authorization": f"Bearer {token}"})
            if status == 200:
                break
            time.sleep(0.1)
        assert json.loads(product)["base_price"] == "5.00"
    finally:
        server.stop()

    history = json.loads(cli(db_url, "history", "bolt", "A").stdout)
    assert [h["field"] for h in history] == ["base_price"]
    rebuilt = json.loads(cli(db_url, "projections", "rebuild").stdout)
    assert rebuilt["lag"] == 0 and rebuilt["rebuilt_events"] == rebuilt["head"]
    status = json.loads(cli(db_url, "projections", "status").stdout)
    assert status[0]["position"] == rebuilt["head"]


def test_serve_on_the_embedded_database_is_ready_within_30_seconds(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    port = ServerProcess("", tmp_path / "unused.log").port
    started = time.monotonic()
    with open(tmp_path / "serve.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ledger.cli", "serve", "--port", str(port),
             "--data-dir", str(tmp_path / "data")], env=env, stdout=log, stderr=log)
    try:
        import urllib.request
        ready = False
        while time.monotonic() - started < 30 and not ready:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    ready = r.status == 200
            except OSError:
                time.sleep(0.2)
        assert ready, (tmp_path / "serve.log").read_text()
        assert (tmp_path / "data" / "pgdata" / "PG_VERSION").exists()
    finally:
        process.terminate()
        process.wait(20)


def test_shop_create_takes_the_payment_term_as_the_json_api_does(db_url):
    import psycopg

    cli(db_url, "shop", "create", "bolt", "--password", "kulcs-jelszo", "--payment-due-days", "8")
    with psycopg.connect(db_url) as conn:
        days = conn.execute("SELECT payment_due_days FROM shops WHERE webshopid = 'bolt'").fetchone()[0]
    assert days == 8
    refused = cli(db_url, "shop", "create", "bolt2", "--password", "kulcs-jelszo", "--payment-due-days", "366",
                  check=False)
    assert refused.returncode == 2 and "payment_due_days" in refused.stderr


def test_replay_apply_records_the_os_user_who_ran_it(db_url):
    import getpass

    import orjson
    import psycopg

    from ledger.service.ledger_app import LedgerApp
    from ledger.service.product_upload import handle_product_upload
    from ledger.storage.database import eventsourcing_env
    from tests.kulcs_docs import call, product_xml

    cli(db_url, "shop", "create", "bolt", "--password", "kulcs-jelszo", "--sync-type", "full")
    app = LedgerApp(env=eventsourcing_env(db_url, pool_size=1))
    try:
        original = handle_product_upload(app, call("bolt", product_xml([{"termekkod": "A", "ar": "5"}])),
                                         "full", max_rows=100).result.sync_id
    finally:
        app.close()
    replayed = json.loads(cli(db_url, "replay", "bolt", str(original), "--apply").stdout)["sync_id"]
    with psycopg.connect(db_url) as conn:
        state = conn.execute("SELECT state FROM ledger_events WHERE originator_id = %s"
                             " AND topic = 'kulcs-ledger:Sync.Created'", (replayed,)).fetchone()[0]
    assert orjson.loads(bytes(state))["replayed_by"] == f"cli:{getpass.getuser()}"


def test_shop_create_reads_the_password_from_stdin_so_it_stays_out_of_ps_and_history(db_url, tmp_path):
    """A password given as an argument is visible to every user in `ps` and stays in shell history."""
    env = {**os.environ, "DATABASE_URL": db_url}
    created = subprocess.run([sys.executable, "-m", "ledger.cli", "shop", "create", "bolt", "--password-stdin"],
                             input="titkos jelszó\n", env=env, capture_output=True, text=True, timeout=120)
    assert created.returncode == 0, created.stderr
    server = ServerProcess(db_url, tmp_path / "server.log")
    server.start()
    try:
        import base64
        good = {"Authorization": "Basic " + base64.b64encode("bolt:titkos jelszó".encode()).decode()}
        status, _ = server.request("GET", "/kulcs/bolt/orders", None, good)
        assert status == 200
    finally:
        server.stop()
    neither = cli(db_url, "shop", "create", "bolt2", check=False)
    assert neither.returncode == 2 and "--password" in neither.stderr
