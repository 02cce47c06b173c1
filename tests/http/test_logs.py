"""One JSON log line per request, with shop, sync id, counts and duration, and never a secret."""
from __future__ import annotations

import io
import json

import aiohttp

from ledger.logs import configure_logging
from tests.conftest import ADMIN, ADMIN_TOKEN
from tests.http.helpers import basic, make_shop, settled
from tests.kulcs_docs import product_xml

SECRETS = ("kulcs-jelszo-123", "import-titok-456", ADMIN_TOKEN)


async def test_a_session_using_every_secret_logs_none_of_them(client):
    stream = io.StringIO()
    configure_logging(stream=stream)
    await make_shop(client, password=SECRETS[0], import_password=SECRETS[1], sync_type="full")
    body = product_xml([{"termekkod": "A", "ar": "1"}])
    ok = {**basic("bolt", SECRETS[0]), "Content-Type": "text/xml"}
    await client.post(f"/kulcs/bolt/products?key={SECRETS[1]}", data=body, headers=ok)
    await client.post(f"/kulcs/bolt/products?webshopid=bolt&jelszo={SECRETS[0]}&key={SECRETS[1]}",
                      data=body, headers={"Content-Type": "text/xml"})
    form = aiohttp.FormData({"webshopid": "bolt", "jelszo": SECRETS[0], "key": SECRETS[1],
                             "xml": body.decode()})
    await client.post("/kulcs/bolt/products", data=form)
    await client.post("/kulcs/bolt/products?key=wrong", data=body, headers=ok)
    await client.patch("/api/shops/bolt", json={"password": SECRETS[0] + "x"}, headers=ADMIN)
    await settled(client)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) >= 6
    text = stream.getvalue()
    for secret in SECRETS:
        assert secret not in text
    pushes = [line for line in lines if line["event"] == "kulcs_products"]
    assert len(pushes) == 3
    assert all({"shop", "sync_id", "counts", "outcome", "request_id"} <= set(p) for p in pushes)
    requests = [line for line in lines if "method" in line]
    assert all({"path", "status", "duration_ms", "request_id"} <= set(r) for r in requests)
    assert len({r["request_id"] for r in requests}) == len(requests)  # one line per request
    assert [r["status"] for r in requests if r["path"] == "/kulcs/bolt/products"] == [200, 200, 200, 401]


def test_libraries_log_records_are_json_lines_too():
    """asyncpg's pool during an outage ("Failed to restore the pool connection floor", with its traceback)
    and asyncio ("Future exception was never retrieved") log through the standard library: in the server's
    stderr they were plain multi-line text between the JSON lines."""
    import subprocess
    import sys

    program = (
        "import logging\n"
        "from ledger.cli import main\n"
        "import ledger.cli, ledger.commands\n"
        "async def failing(settings, args):\n"
        "    try:\n"
        "        raise ConnectionRefusedError('refused')\n"
        "    except OSError:\n"
        "        logging.getLogger('asyncpg.pool').warning('Failed to restore the pool connection floor;'\n"
        "                                                  ' retrying', exc_info=True)\n"
        "    logging.getLogger('asyncio').error('Future exception was never retrieved\\nfuture: <Future>')\n"
        "    return 'done'\n"
        "ledger.commands.projection_status = failing\n"
        "raise SystemExit(main(['projections', 'status']))\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "postgresql://unused/"})
    assert result.returncode == 0 and result.stdout == "done\n", result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(line["logger"], line["level"]) for line in lines] == [("asyncpg.pool", "warning"),
                                                                 ("asyncio", "error")]
    assert "ConnectionRefusedError: refused" in lines[0]["exception"]


async def test_an_api_token_pasted_where_an_id_goes_is_not_logged(client):
    """`DELETE /api/tokens/<the whole token>` by mistake: the request line logs the path."""
    stream = io.StringIO()
    configure_logging(stream=stream)
    created = await (await client.post("/api/tokens", json={"role": "auditor"}, headers=ADMIN)).json()
    token = created["token"]
    assert (await client.delete(f"/api/tokens/{token}", headers=ADMIN)).status in (400, 404)
    await client.get(f"/api/shops/bolt/products?after={token}", headers=ADMIN)
    text = stream.getvalue()
    assert token.split("_", 2)[2] not in text
    assert f"kl_{created['token_id']}_" in text, "the id stays, to tell which token it was"
