"""A TCP front for the test database that a test can cut and restore: a database outage on demand."""
from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import parse_qs, urlparse, urlunparse


class OutageProxy:
    def __init__(self, db_url: str) -> None:
        parsed = urlparse(db_url)
        socket_dir = parse_qs(parsed.query).get("host", [None])[0]
        if socket_dir and socket_dir.startswith("/"):
            port = parse_qs(parsed.query).get("port", ["5432"])[0]
            self._target = ("unix", f"{socket_dir}/.s.PGSQL.{port}")
        else:
            self._target = ("tcp", (parsed.hostname or "127.0.0.1", parsed.port or 5432))
        self._parsed = parsed
        self._server: asyncio.base_events.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        user = self._parsed.username or "postgres"
        password = f":{self._parsed.password}" if self._parsed.password else ""
        return urlunparse(self._parsed._replace(netloc=f"{user}{password}@127.0.0.1:{self.port}", query=""))

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Refuses new connections and drops the open ones, as a stopped server does."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def _link(self, reader, writer) -> None:
        try:
            if self._target[0] == "unix":
                up_reader, up_writer = await asyncio.open_unix_connection(self._target[1])
            else:
                up_reader, up_writer = await asyncio.open_connection(*self._target[1])
        except OSError:
            writer.close()
            return
        self._links.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader, writer) -> None:
        with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
            while data := await reader.read(1 << 16):
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(Exception):
            writer.close()
        self._links.discard(writer)
