"""PostgreSQL for the tests: TEST_DATABASE_URL if given, else an embedded server; a fresh,
migrated database per test, cloned from a template so each costs a few milliseconds."""
from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlparse, urlunparse
from uuid import uuid4

import asyncpg
import psycopg

from ledger.storage.database import start_embedded
from migrations.runner import apply_migrations

TEMPLATE = "kulcs_ledger_template"


def with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


class TestServer:
    def __init__(self) -> None:
        self.url = os.environ.get("TEST_DATABASE_URL")
        self._embedded, self.folder = None, None
        if not self.url:
            self.folder = Path(tempfile.mkdtemp(prefix="kulcs-ledger-tests-"))
            self._embedded = start_embedded(self.folder)
            self.url = self._embedded.url
        self._admin = psycopg.connect(self.url, autocommit=True)
        self._admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
        self._admin.execute(f"CREATE DATABASE {TEMPLATE}")
        asyncio.run(self._migrate(with_database(self.url, TEMPLATE)))
        self.created: list[str] = []

    @staticmethod
    async def _migrate(url: str) -> None:
        conn = await asyncpg.connect(url)
        try:
            await apply_migrations(conn)
        finally:
            await conn.close()

    def new_database(self, *, migrated: bool = True) -> str:
        name = f"t_{uuid4().hex[:12]}"
        template = f" TEMPLATE {TEMPLATE}" if migrated else ""
        self._admin.execute(f"CREATE DATABASE {name}{template}")
        self.created.append(name)
        return with_database(self.url, name)

    def drop(self, url: str) -> None:
        name = urlparse(url).path.lstrip("/")
        self._admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self, *, keep: bool = False) -> None:
        """Drops the databases made here (not those taken off `created`); unless `keep`, the template
        too, and stops the embedded server and removes its folder."""
        for name in [*self.created, *([] if keep else [TEMPLATE])]:
            try:
                self._admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            except psycopg.Error:
                pass
        self._admin.close()
        if self._embedded is not None and not keep:
            # stopped now rather than at exit, so that its folder (~60 MB a run) can go with it
            self._embedded.embedded_server.cleanup()
            shutil.rmtree(self.folder, ignore_errors=True)
