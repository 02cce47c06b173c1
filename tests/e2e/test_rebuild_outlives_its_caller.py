"""A rebuild over the API holds its request; a proxy that gives up waiting (504) hangs up on it. The
served app does not cancel a handler whose caller has gone (aiohttp's test server does, so this runs
`kulcs-ledger serve` itself), and `rebuild_running` tells support staff it is still going."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import psycopg

from tests.e2e.server import ServerProcess
from tests.kulcs_docs import product_xml
from tests.http.helpers import basic


def support_token(db_url: str) -> str:
    done = subprocess.run([sys.executable, "-m", "ledger.cli", "token", "create", "--role", "support"],
                          env={**os.environ, "DATABASE_URL": db_url}, capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout.strip().splitlines()[-1]


def rebuild_running(server: ServerProcess, headers: dict) -> bool:
    status, body = server.get("/api/projections", headers=headers)
    assert status == 200, body
    return json.loads(body)[0]["rebuild_running"]


def test_a_rebuild_whose_caller_hangs_up_goes_on_to_the_end(pg_server, tmp_path):
    db_url = pg_server.new_database()
    server = ServerProcess(db_url, tmp_path / "server.log")
    server.start()
    try:
        server.post_json("/api/shops", {"webshopid": "bolt", "password": "kulcs-jelszo", "sync_type": "full"})
        status, _ = server.request("POST", "/kulcs/bolt/products",
                                   product_xml([{"termekkod": f"KS-{n}", "ar": "100"} for n in range(20)]),
                                   {**basic("bolt", "kulcs-jelszo"), "Content-Type": "text/xml"})
        assert status == 200
        support = {"Authorization": f"Bearer {support_token(db_url)}"}
        with psycopg.connect(db_url) as held:
            for _ in range(100):  # projected, so that a view changed by hand stays so until a rebuild
                if held.execute("SELECT count(*) FROM product_view").fetchone()[0] == 20:
                    break
                time.sleep(0.1)
            held.execute("UPDATE product_view SET base_price = 1 WHERE sku = 'KS-7'")
            held.commit()
            # the rebuild's new tables are made LIKE the live ones: it waits here until after its caller gave up
            held.execute("LOCK TABLE field_history IN ACCESS EXCLUSIVE MODE")
            try:
                server.request("POST", "/api/projections/rebuild", b"", support, timeout=1.5)
                raise AssertionError("the rebuild answered while its tables could not be made")
            except (TimeoutError, socket.timeout):
                pass
            time.sleep(0.5)
            assert rebuild_running(server, support) is True
            held.rollback()
        for _ in range(300):
            if not rebuild_running(server, support):
                break
            time.sleep(0.1)
        assert rebuild_running(server, support) is False
        with psycopg.connect(db_url) as conn:
            assert conn.execute("SELECT base_price::text FROM product_view WHERE sku = 'KS-7'").fetchone() == ("100.00",)
            assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname IN ('rebuild', 'retired')"
                                ).fetchone() == (0,)
    finally:
        server.stop()
        pg_server.drop(db_url)
