"""A `kulcs-ledger serve` subprocess on its own database, as the benchmarks drive it."""
from __future__ import annotations

import base64
import shutil
import tempfile
import time
from pathlib import Path

import psycopg

from tests.e2e.server import ADMIN_TOKEN, ServerProcess

SHOP, PASSWORD = "bench", "bench-jelszo"
KULCS_HEADERS = {"Authorization": "Basic " + base64.b64encode(f"{SHOP}:{PASSWORD}".encode()).decode(),
                 "Content-Type": "text/xml"}
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class Service:
    """The service process on `url`; `push` times one U1 upload end to end (request to answer)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.server = ServerProcess(url, Path(tempfile.mkdtemp(prefix="kulcs-bench-")) / "server.log")

    def __enter__(self) -> "Service":
        self.server.start(timeout=60)
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        self.server.stop()
        if exc_type is None:  # keep the server's log only when something went wrong
            shutil.rmtree(Path(self.server.log_path).parent, ignore_errors=True)

    @property
    def pid(self) -> int:
        return self.server.process.pid

    @property
    def base(self) -> str:
        return self.server.base

    def create_shop(self) -> None:
        status, body = self.server.post_json(
            "/api/shops", {"webshopid": SHOP, "password": PASSWORD, "sync_type": "full"})
        assert status in (200, 201), (status, body[:300])

    def push(self, body: bytes) -> tuple[float, bytes]:
        started = time.perf_counter()
        status, answer = self.server.request("POST", f"/kulcs/{SHOP}/products", body, KULCS_HEADERS,
                                             timeout=1800)
        elapsed = time.perf_counter() - started
        assert status == 200, (status, answer[:300])
        return elapsed, answer

    def peak_rss_mb(self) -> float:
        """VmHWM, the highest resident set size each process has had since it started, of the server and
        of its children (the live projector's process), added: an upper bound of their peak together."""
        return sum(_peak_rss_mb(pid) for pid in with_children(self.pid))


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def with_children(pid: int) -> list[int]:
    """The process and its children (a server and its live projector's process, PostgreSQL's postmaster
    and its backends)."""
    return [pid, *children_of(pid)]


def children_of(parent: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rpartition(")")[2].split()[1]) == parent:
                    children.append(int(entry.name))
            except OSError:
                continue
    return children


def wait_projected(url: str, timeout: float = 1800) -> float:
    """Waits until the live projector has caught up with the event log; answers the seconds waited."""
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        while time.perf_counter() - started < timeout:
            head, position = conn.execute(
                "SELECT (SELECT coalesce(max(notification_id), 0) FROM ledger_events),"
                " (SELECT position FROM projection_tracking WHERE name = 'views')").fetchone()
            if position >= head:
                return time.perf_counter() - started
            time.sleep(0.2)
    raise TimeoutError("projections did not catch up")
