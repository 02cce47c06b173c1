"""Small pushes on their own: one-product stock updates from concurrent clients, with floors.

    python bench/small_push_timing.py [--rows 2000] [--clients 32] [--seconds 10] [--repeat 1]

Starts `kulcs-ledger serve` (bench/service.Service) on a fresh database of an embedded PostgreSQL
(tests/pg.TestServer, or TEST_DATABASE_URL), pushes a catalogue of --rows products, then measures, as
bench/run.py does: `load.small_pushes` as fast as answered (syncs/s, p50, p99) and paced at --rate
(p99 counted from when each push was due). Floors measured in the same run, on the same machine:
- `get_floor`: GETs of `/healthz` (the admin token sent, not checked) from the same number of clients (what aiohttp, the
  client and the middleware cost per request, without any write);
- `commit_floor`: asyncpg INSERT + COMMIT from the same number of connections (what PostgreSQL's
  commit costs per transaction, without any Python on the server).
The server inherits this process's environment (e.g. KULCS_LEDGER_WRITE_THREADS).
CPU milliseconds per sync of the server (with its projector process), of PostgreSQL (its processes
when the run ends) and of this client are printed too: on a 2-core machine, 400 syncs/s leaves 5 ms of
CPU per sync for all three. So are the context switches per sync of the server process's threads
(voluntary: mostly a thread waiting for the GIL).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("EVENTSOURCING_DISABLE_REDEFINITION_CHECK", "y")

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402

from bench import load  # noqa: E402
from bench.generator import catalogue_rows, to_xml  # noqa: E402
from bench.service import ADMIN_HEADERS, Service, with_children  # noqa: E402
from tests.pg import TestServer  # noqa: E402


async def get_floor(base: str, clients: int, seconds: float) -> dict:
    """Requests a second of authenticated `/healthz` GETs from `clients` concurrent clients."""
    connector = aiohttp.TCPConnector(limit=clients)
    latencies: list[float] = []
    async with aiohttp.ClientSession(base, headers=ADMIN_HEADERS, connector=connector) as session:
        started = time.perf_counter()
        deadline = started + seconds

        async def client() -> None:
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                async with session.get("/healthz") as response:
                    await response.read()
                    assert response.status == 200, response.status
                latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    ms = [x * 1000 for x in latencies]
    return {"rate": len(ms) / elapsed, "p50_ms": load.percentile(ms, 50), "p99_ms": load.percentile(ms, 99)}


async def commit_floor(url: str, clients: int, seconds: float) -> dict:
    """Transactions a second of one INSERT + COMMIT each, from `clients` asyncpg connections."""
    setup = await asyncpg.connect(url)
    await setup.execute("CREATE TABLE IF NOT EXISTS bench_commit_floor (id bigserial PRIMARY KEY, v int)")
    conns = [await asyncpg.connect(url) for _ in range(clients)]
    count = 0
    try:
        started = time.perf_counter()
        deadline = started + seconds

        async def client(conn: asyncpg.Connection) -> None:
            nonlocal count
            while time.perf_counter() < deadline:
                async with conn.transaction():
                    await conn.execute("INSERT INTO bench_commit_floor (v) VALUES ($1)", count)
                count += 1

        await asyncio.gather(*(client(c) for c in conns))
        elapsed = time.perf_counter() - started
    finally:
        for conn in conns:
            await conn.close()
        await setup.execute("DROP TABLE bench_commit_floor")
        await setup.close()
    return {"rate": count / elapsed}


def _py_spy(pid: int, out: Path, seconds: float) -> subprocess.Popen:
    """py-spy (installed by hand, not a project dependency) sampling the server, collapsed stacks."""
    return subprocess.Popen(["py-spy", "record", "-p", str(pid), "-o", str(out), "-f", "raw", "-r", "200",
                             "-d", str(int(seconds)), "--threads", "--gil"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _cpu_seconds(pids) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _context_switches(pid: int) -> tuple[int, int]:
    """Voluntary and involuntary context switches of all of a process's threads so far. A GIL handed
    between threads is a voluntary switch of the one that waits for it (futex), and in this VM the
    kernel's side of switching was ~29% of the server's CPU (perf, cpu-clock)."""
    voluntary = involuntary = 0
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:  # the thread ended meanwhile
            continue
        for line in lines:
            if line.startswith("voluntary_ctxt_switches:"):
                voluntary += int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches:"):
                involuntary += int(line.split()[1])
    return voluntary, involuntary


def _postgres_pids(url: str) -> list[int]:
    """The PostgreSQL server's processes: the postmaster of this database's backends and its children."""
    async def parent_of_backend() -> int:
        conn = await asyncpg.connect(url)
        try:
            pid = await conn.fetchval("SELECT pg_backend_pid()")
            return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
        finally:
            await conn.close()
    postmaster = asyncio.run(parent_of_backend())
    return with_children(postmaster)


def one_round(url: str, args) -> dict:
    rows = catalogue_rows(args.rows, seed=1)
    skus = [r["termekkod"] for r in rows]
    with Service(url) as service:
        service.create_shop()
        service.push(to_xml(rows))
        floor_get = asyncio.run(get_floor(service.base, args.clients, min(args.seconds, 5)))
        spy = _py_spy(service.pid, args.py_spy, args.seconds) if args.py_spy else None
        pg_pids = _postgres_pids(url)
        server_pids = with_children(service.pid)
        before = (_cpu_seconds(server_pids), _cpu_seconds(pg_pids), time.process_time())
        switches_before = _context_switches(service.pid)
        most = asyncio.run(load.small_pushes(service.base, skus, args.clients, args.seconds))
        switches = [(after - b) / most["syncs"] for after, b in zip(_context_switches(service.pid), switches_before)]
        pg_pids = _postgres_pids(url)
        per_sync = [(after - b) * 1000 / most["syncs"] for after, b in zip(
            (_cpu_seconds(server_pids), _cpu_seconds(pg_pids), time.process_time()), before)]
        if spy is not None:
            spy.wait(30)
        paced = asyncio.run(load.small_pushes(service.base, skus, args.clients, args.seconds, rate=args.rate))
    floor_commit = asyncio.run(commit_floor(url, args.clients, min(args.seconds, 5)))
    return {"syncs_per_s": most["rate"], "p50_ms": most["p50_ms"], "p99_ms": most["p99_ms"],
            "paced_rate": paced["rate"], "paced_p50_ms": paced["p50_ms"], "paced_p99_ms": paced["p99_ms"],
            "get_floor_per_s": floor_get["rate"], "get_floor_p99_ms": floor_get["p99_ms"],
            "commit_floor_per_s": floor_commit["rate"], "server_cpu_ms_per_sync": per_sync[0],
            "postgres_cpu_ms_per_sync": per_sync[1], "client_cpu_ms_per_sync": per_sync[2],
            "server_voluntary_switches_per_sync": switches[0],
            "server_involuntary_switches_per_sync": switches[1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=400)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--py-spy", type=Path, help="write py-spy's collapsed stacks of the server here"
                        " during the as-fast-as-answered run (needs py-spy on PATH)")
    args = parser.parse_args()
    pg = TestServer()
    rounds = []
    try:
        for k in range(args.repeat):
            url = pg.new_database()
            rounds.append(one_round(url, args))
            pg.drop(url)
            print(f"round {k + 1}: " + "  ".join(f"{key} {v:.2f}" for key, v in rounds[-1].items()),
                  file=sys.stderr, flush=True)
    finally:
        pg.close()
    medians = {key: round(statistics.median(r[key] for r in rounds), 1) for key in rounds[0]}
    print(json.dumps({"clients": args.clients, "seconds": args.seconds, "rate": args.rate,
                      "rounds": len(rounds), "medians": medians}, indent=2))


if __name__ == "__main__":
    main()
