from __future__ import annotations

import os

import pytest

os.environ.setdefault("EVENTSOURCING_DISABLE_REDEFINITION_CHECK", "y")

from ledger.config import Settings  # noqa: E402
from ledger.logs import configure_logging  # noqa: E402
from ledger.service.ledger_app import LedgerApp  # noqa: E402
from ledger.storage.database import eventsourcing_env  # noqa: E402
from tests.pg import TestServer  # noqa: E402

ADMIN_TOKEN = "test-admin-token"


@pytest.fixture(scope="session")
def pg_server():
    server = TestServer()
    yield server
    server.close()


@pytest.fixture
def db_url(pg_server):
    url = pg_server.new_database()
    yield url
    pg_server.drop(url)


@pytest.fixture
def ledger_app(db_url):
    app = LedgerApp(env=eventsourcing_env(db_url, pool_size=2))
    yield app
    app.close()


@pytest.fixture
def settings(tmp_path):
    configure_logging()
    return Settings(admin_token=ADMIN_TOKEN, data_dir=tmp_path / "data")


@pytest.fixture
async def client(aiohttp_client, settings, db_url):
    from ledger.http.app import create_app

    return await aiohttp_client(create_app(settings, db_url))


@pytest.fixture
async def proxy(db_url):
    """A TCP front for the test database that a test can cut: an outage on demand."""
    from tests.outage_proxy import OutageProxy

    proxy = OutageProxy(db_url)
    await proxy.start()
    yield proxy
    await proxy.cut()


@pytest.fixture
async def proxied_client(aiohttp_client, settings, proxy):
    from ledger.http.app import create_app

    return await aiohttp_client(create_app(settings, proxy.url))


ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def pytest_terminal_summary(terminalreporter):
    from tests.counts import COUNTS

    if COUNTS:
        terminalreporter.section("counts reported by the suites")
        for line in COUNTS:
            terminalreporter.write_line(line)
