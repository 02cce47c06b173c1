"""One rebuild (and one verify) at a time: a second would drop the first one's shadow schema midway."""
from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys

import psycopg
import pytest

from ledger.audit.verify import verify
from projections.shadow import ShadowBusy, rebuild_without_downtime
from tests.e2e.test_audit_and_replay import token
from tests.http.helpers import make_shop
from tests.integration.test_verify import filled, sql  # noqa: F401  (the fixture: shop, products, order)


@contextlib.contextmanager
def shadow_held(db_url, schema: str):
    """What a rebuild or verify running elsewhere (another process, another server) holds."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"kulcs-ledger shadow {schema}",))
        yield


async def test_a_second_rebuild_while_one_runs_is_refused_and_the_first_completes(filled, db_url):
    views_before = sql(db_url, "SELECT sku, base_price, version FROM product_view ORDER BY sku")
    results = await asyncio.gather(rebuild_without_downtime(db_url, filled),
                                   rebuild_without_downtime(db_url, filled), return_exceptions=True)
    refused = [r for r in results if isinstance(r, ShadowBusy)]
    done = [r for r in results if isinstance(r, dict)]
    assert len(refused) == 1 and len(done) == 1, results
    assert "already running" in str(refused[0])
    assert done[0]["rebuilt_events"] == sql(db_url, "SELECT count(*) FROM ledger_events")[0][0]
    assert sql(db_url, "SELECT sku, base_price, version FROM product_view ORDER BY sku") == views_before
    assert sql(db_url, "SELECT count(*) FROM pg_namespace WHERE nspname IN ('rebuild', 'retired')") == [(0,)]


async def test_a_verify_while_another_runs_is_refused_not_reported_as_a_broken_log(filled, db_url):
    with shadow_held(db_url, "verify"), pytest.raises(ShadowBusy, match="verification"):
        await verify(db_url, filled)
    assert (await verify(db_url, filled))["ok"] is True  # released with the other's session
    with shadow_held(db_url, "rebuild"):  # a rebuild does not stop a verify, nor the other way round
        assert (await verify(db_url, filled))["ok"] is True


async def test_the_api_answers_409_while_a_rebuild_or_a_verify_runs(client, db_url):
    await make_shop(client, sync_type="full")
    support = await token(client, "support")
    with shadow_held(db_url, "rebuild"):
        response = await client.post("/api/projections/rebuild", headers=support)
        assert response.status == 409
        assert "already running" in (await response.json())["error"]
    response = await client.post("/api/projections/rebuild", headers=support)
    assert response.status == 200 and (await response.json())["position"] > 0
    with shadow_held(db_url, "verify"):
        response = await client.get("/api/shops/bolt/audit/verify", headers=support)
        assert response.status == 409 and "verification" in (await response.json())["error"]
    assert (await (await client.get("/api/shops/bolt/audit/verify", headers=support)).json())["ok"] is True


def test_the_cli_says_a_rebuild_is_running_and_exits_2(pg_server):
    db_url = pg_server.new_database()
    env = {**os.environ, "DATABASE_URL": db_url}
    with shadow_held(db_url, "rebuild"):
        result = subprocess.run([sys.executable, "-m", "ledger.cli", "projections", "rebuild"], env=env,
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "already running" in result.stderr and "Traceback" not in result.stderr


async def test_projection_status_says_whether_a_rebuild_is_running(client, db_url):
    """A rebuild over the API holds its request: behind a proxy that gives up first (504), this is how
    support staff learn that it is still going, rather than by starting another (409)."""
    support = await token(client, "support")

    async def rebuild_running() -> bool:
        response = await client.get("/api/projections", headers=support)
        assert response.status == 200
        return (await response.json())[0]["rebuild_running"]
    assert await rebuild_running() is False
    with shadow_held(db_url, "rebuild"):
        assert await rebuild_running() is True
        with shadow_held(db_url, "verify"):
            assert await rebuild_running() is True
    with shadow_held(db_url, "verify"):  # a verification is not a rebuild
        assert await rebuild_running() is False

