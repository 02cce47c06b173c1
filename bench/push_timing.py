"""End-to-end time of a full push of N new products over HTTP, and of the same push re-sent unchanged.

    python bench/push_timing.py --rows 10000 [--repeat 3]

Runs `kulcs-ledger serve` on a fresh embedded PostgreSQL (or DATABASE_URL) and prints medians.
"""
from __future__ import annotations

import argparse
import base64
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generator import catalogue_xml  # noqa: E402
from tests.e2e.server import ServerProcess  # noqa: E402
from tests.pg import TestServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    pg = TestServer()
    body = catalogue_xml(args.rows, seed=1)
    auth = {"Authorization": "Basic " + base64.b64encode(b"bench:bench-jelszo").decode(),
            "Content-Type": "text/xml"}
    first, again = [], []
    for _ in range(args.repeat):
        url = pg.new_database()
        server = ServerProcess(url, Path(tempfile.mkdtemp()) / "server.log")
        server.start()
        try:
            server.post_json("/api/shops", {"webshopid": "bench", "password": "bench-jelszo",
                                            "sync_type": "full"})
            for timings in (first, again):
                started = time.perf_counter()
                status, _ = server.request("POST", "/kulcs/bench/products", body, auth, timeout=600)
                timings.append(time.perf_counter() - started)
                assert status == 200
        finally:
            server.stop()
            pg.drop(url)
    pg.close()
    print(f"rows={args.rows} body={len(body) / 1e6:.1f} MB runs={args.repeat}")
    print(f"first full push:    median {statistics.median(first):.2f} s  (all: {', '.join(f'{t:.2f}' for t in first)})")
    print(f"same push again:    median {statistics.median(again):.2f} s  (all: {', '.join(f'{t:.2f}' for t in again)})")


if __name__ == "__main__":
    main()
