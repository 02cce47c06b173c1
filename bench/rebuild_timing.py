"""Times a rebuild (`projections.shadow.rebuild_without_downtime`, as the CLI and the API run it) over
a synthetic history, against a floor from the same run.

    python bench/rebuild_timing.py --rows 20000 --events 500000 [--runs 3] [--keep] [--url URL]

Builds a fresh database (the embedded server of tests/pg.py, or TEST_DATABASE_URL), creates the shop
through the service as bench/run.py does, adds the synthetic history of bench/synthetic.py (one full
sync of the catalogue, then price-and-stock syncs of 1% of it) and times the rebuild `--runs`
times (median). The floor: one plain `SELECT notification_id, state FROM ledger_events` of all
events, read through a cursor on the same kind of pool connection. `--url` times an existing
database instead (one that a `--keep` run left behind, say), `--profile FILE` writes a cProfile of
one more rebuild: of this process, which coordinates; the fill itself runs in worker processes
(projections/partitions.py), which `py-spy record --subprocesses` follows.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("EVENTSOURCING_DISABLE_REDEFINITION_CHECK", "y")

from bench import synthetic  # noqa: E402
from bench.generator import catalogue_rows, to_xml  # noqa: E402
from bench.run import timed_rebuild  # noqa: E402
from bench.service import SHOP, Service  # noqa: E402

STARTED = time.perf_counter()


def say(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


async def read_floor(url: str) -> tuple[int, float]:
    """All events' positions and states, read once: what any rebuild has to do at least."""
    from ledger.http.app import open_pool

    pool = await open_pool(url, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            started = time.perf_counter()
            count = 0
            async with conn.transaction(readonly=True):
                async for _row in conn.cursor("SELECT notification_id, state FROM ledger_events",
                                              prefetch=10_000):
                    count += 1
            return count, time.perf_counter() - started
    finally:
        await pool.close()


def build(url: str, rows: int, events: int) -> int:
    catalogue = catalogue_rows(rows, seed=1)
    body = to_xml(catalogue)
    with Service(url) as service:
        service.create_shop()
    return asyncio.run(synthetic.build_history(url, SHOP, body, events, max(1, rows // 100)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=3, help="rebuilds timed (median)")
    parser.add_argument("--url", help="time this database as it is (no new history)")
    parser.add_argument("--keep", action="store_true", help="keep the database (print its URL)")
    parser.add_argument("--profile", type=Path, help="cProfile one more rebuild into this file")
    args = parser.parse_args()

    pg = None
    url = args.url
    try:
        if url is None:
            from tests.pg import TestServer

            pg = TestServer()
            url = pg.new_database()
            say(f"PostgreSQL at {pg.url}; {args.rows} rows, up to {args.events} events")
            added = build(url, args.rows, args.events)
            say(f"synthetic history: {added} events")
        rebuilds, floors = [], []
        for k in range(args.runs):
            count, seconds = asyncio.run(timed_rebuild(url))
            rebuilds.append(seconds)
            say(f"rebuild {k + 1}: {count} events in {seconds:.2f} s, {count / seconds:,.0f} events/s")
            read, floor = asyncio.run(read_floor(url))
            floors.append(floor)
            say(f"floor {k + 1}: {read} events read in {floor:.2f} s")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            asyncio.run(timed_rebuild(url))
            profiler.disable()
            profiler.dump_stats(args.profile)
            say(f"profile in {args.profile}")
        seconds, floor = statistics.median(rebuilds), statistics.median(floors)
        print(f"events={count}  rebuild median {seconds:.2f} s = {count / seconds:,.0f} events/s"
              f"  (runs: {', '.join(f'{s:.2f}' for s in rebuilds)})")
        print(f"floor (SELECT notification_id, state, all events) median {floor:.2f} s ="
              f" {count / floor:,.0f} events/s  ratio rebuild/floor {seconds / floor:.1f}")
        print(f"peak RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB,"
              f" of its largest child process (a fill worker or the service) {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB")
        if args.keep and pg is not None:
            pg.created.remove(urlparse(url).path.lstrip("/"))
            print(f"kept: {url}")
    finally:
        if pg is not None:
            pg.close(keep=args.keep)


if __name__ == "__main__":
    main()
