#!/usr/bin/env python3
"""Crash trials for longer than CI runs them: SIGKILL `kulcs-ledger serve` at random moments while
pushes stream in, restart it, and check the ledger after every trial (the loop of
tests/reliability/test_crash_trials.py).

    .venv/bin/python scripts/crash_trials.py --trials 500 [--seed 7] [--senders 3]

Uses TEST_DATABASE_URL when set (a fresh database is created on that server), else an embedded
PostgreSQL in a temporary folder; the server's log is kept. Exits 1 at the first broken guarantee, naming it.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("EVENTSOURCING_DISABLE_REDEFINITION_CHECK", "y")

from tests.pg import TestServer  # noqa: E402
from tests.reliability.crash_loop import run_crash_trials  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--senders", type=int, default=3, help="client threads pushing at once")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="crash-trials-"))
    print(f"seed {args.seed}; server log: {workdir / 'server.log'}", flush=True)
    server = TestServer()
    db_url = server.new_database()
    started = time.monotonic()
    try:
        stats = run_crash_trials(db_url, workdir, args.trials, seed=args.seed, senders=args.senders,
                                 report=lambda line: print(line, flush=True))
    except AssertionError as error:
        print(f"BROKEN after {time.monotonic() - started:.0f}s (seed {args.seed}): {error}", flush=True)
        return 1
    finally:
        server.drop(db_url)
        server.close()
    print(f"{stats.line()}, in {time.monotonic() - started:.0f}s")
    if stats.unexpected:
        print(f"answers other than 200 (before a kill): {len(stats.unexpected)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
