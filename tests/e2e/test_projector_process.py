"""The live projector's own process (projections/live_process.py): started again if it ends, gone with
the server, and woken readers still see their writes."""
from __future__ import annotations

import asyncio
import os
import signal
import time

import psycopg

from ledger.storage.notifications import APPLICATION_NAME
from projections.live_process import PROJECTED
from tests.e2e.server import ServerProcess
from tests.e2e.test_audit_and_replay import KULCS
from tests.http.helpers import get_json, make_shop, settled
from tests.kulcs_docs import product_xml
from tests.processes import children_running, is_zombie


def projector_processes(parent: int) -> list[int]:
    return children_running(parent, "projections.live_process")


def wait_until(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    return condition()


async def eventually(condition, timeout: float = 20.0):
    """`wait_until` for tests whose server shares their event loop: it must keep running meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        await asyncio.sleep(0.05)
    return condition()


async def test_a_killed_projector_is_started_again_and_the_views_catch_up(client):
    await make_shop(client, sync_type="full")
    (first,) = await eventually(lambda: projector_processes(os.getpid()))
    os.kill(first, signal.SIGKILL)
    await client.post("/kulcs/bolt/products", headers=KULCS, data=product_xml([{"termekkod": "K", "ar": "9"}]))
    await settled(client)
    assert (await get_json(client, "/api/shops/bolt/products/K"))["base_price"] == "9.00"
    (second,) = projector_processes(os.getpid())
    assert second != first


def test_the_projector_process_ends_with_its_server(db_url, tmp_path):
    server = ServerProcess(db_url, tmp_path / "server.log")
    server.start()
    try:
        (projector,) = wait_until(lambda: projector_processes(server.process.pid))
    finally:
        server.kill()  # SIGKILL: no cleanup of its own; the projector notices its stdin close
    assert wait_until(lambda: is_zombie(projector), 10)  # or gone


async def test_both_listeners_listen_again_after_their_connections_are_cut(client, db_url):
    """The server's (the projector's announcements) and the projector's (the event log's NOTIFY)."""
    await make_shop(client, sync_type="full")

    def listeners() -> dict[str, int]:
        with psycopg.connect(db_url, autocommit=True) as conn:
            return {name.rsplit(" ", 1)[1]: pid for pid, name in conn.execute(
                "SELECT pid, application_name FROM pg_stat_activity WHERE datname = current_database()"
                " AND application_name LIKE %s", (APPLICATION_NAME + " %",))}

    before = await eventually(lambda: (found := listeners()).keys() == {PROJECTED, "ledger_events"} and found)
    assert before, listeners()
    with psycopg.connect(db_url, autocommit=True) as conn:
        for pid in before.values():
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
    after = await eventually(lambda: (found := listeners()).keys() == {PROJECTED, "ledger_events"}
                       and not set(found.values()) & set(before.values()) and found)
    assert after, listeners()
    await client.post("/kulcs/bolt/products", headers=KULCS, data=product_xml([{"termekkod": "L", "ar": "4"}]))
    await settled(client)
    assert (await get_json(client, "/api/shops/bolt/products/L"))["base_price"] == "4.00"


def test_a_projector_that_cannot_reach_the_database_ends_with_one_json_line_not_an_abort():
    """While the database is down the server starts the projector again every second: each start that
    fails must end as an ordinary exit with a log line, not a traceback and a SIGABRT ("Fatal Python
    error: _enter_buffered_busy", a core dump where they are enabled) from its stdin-watching thread."""
    import json
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        refused = f"postgresql://postgres@127.0.0.1:{s.getsockname()[1]}/postgres"
    child = subprocess.Popen([sys.executable, "-m", "projections.live_process"], stdin=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    try:
        child.stdin.write(json.dumps({"url": refused}).encode() + b"\n")
        child.stdin.flush()  # and kept open, as the server keeps it
        returncode = child.wait(30)
        err = child.stderr.read().decode()
    finally:
        child.kill()
        child.wait()
        child.stdin.close()
    assert returncode == 1, err
    lines = [json.loads(line) for line in err.splitlines()]
    assert [line["event"] for line in lines] == ["projector_cannot_start"]
