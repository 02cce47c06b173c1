"""Catalogue-scale benchmarks of a running `kulcs-ledger serve`, each against a floor from the same run.

    python bench/run.py --rows 20000 --json out.json [--repeat 3] [--events 1000000]

PostgreSQL: the embedded server of tests/pg.py, or TEST_DATABASE_URL. Each push round runs a fresh
service on a fresh database: a first full push of N new products, the same push again, the same with
1% of prices and stocks changed; each is timed from request to answer by the client, after the live
projector has caught up with the previous one, and each floor is measured right after it:
  first_push           floor: asyncpg COPY of the push's own stored event rows into a scratch table
  unchanged_push       floor: lxml.etree.fromstring(body) + one SELECT of the N product_state rows
  one_percent_push     floor: the same, for the changed body
  first_push_rss       VmHWM of the service process after its first push (a fresh process), plus
                       that of its live projector's process once it has projected the push
Ratios are value/floor (medians over the rounds), so the criterion is "ratio <= target".
Then a fresh database with the shop gets a synthetic history (bench/synthetic.py): the catalogue's
first full sync and price-and-stock syncs of 1% of it, up to --events events, with the service stopped:
  rebuild              projections.shadow.rebuild_without_downtime (what `kulcs-ledger rebuild` and
                       POST /api/projections/rebuild run) over all events, events/s
Then a CHECKPOINT, as before any measurement of a steady state (pgbench's advice too): the history
and the rebuild write gigabytes, and the checkpoint that must flush them, left to come when it will,
fsyncs them in the middle of the latency runs (seen at 100,000 rows: commits waiting 100-140 ms, and
once ~0.8 s, on WalSync while the checkpointer was in DataFileSync). Then the service is started on it again:
  audit_read_p50/p99   GET .../products/{sku}/price-history, sequential, ms (target on the value;
                       floor: GET /healthz, the same HTTP round trip without any work)
  audit_as_of_p50/p99  GET .../products/{sku}?as_of=..., if the service honours as_of
  small_pushes         one-product stock updates from --clients concurrent clients, each sending its
                       next as soon as it has an answer: syncs/s (the most the service can do)
  small_pushes_p99     the same clients sending 400 pushes/s together on a fixed schedule: p99 ms,
                       counted from when each push was due. (With closed-loop clients, p99 <= 50 ms
                       would need >= 32/0.05 = 640 syncs/s by Little's law, whatever the target rate.)
                       Both run --repeat times, alternating; each figure is the median of its runs.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("EVENTSOURCING_DISABLE_REDEFINITION_CHECK", "y")

import asyncpg  # noqa: E402

from bench import floors, load, synthetic  # noqa: E402
from bench.generator import catalogue_rows, change_prices_and_stocks, to_xml  # noqa: E402
from bench.report import database_facts, machine, result, table  # noqa: E402
from bench.service import SHOP, Service, wait_projected  # noqa: E402
from tests.pg import TestServer  # noqa: E402

STARTED = time.perf_counter()


def say(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def answered(answer: bytes, element: str) -> int:
    return int(re.search(rf"<{element}>(\d+)</{element}>".encode(), answer).group(1))


def push_round(url: str, rows: list[dict], body: bytes, k: int) -> dict:
    n, skus = len(rows), [r["termekkod"] for r in rows]
    changed = to_xml(change_prices_and_stocks(rows, range(k % 100, n, 100), seed=k))
    out = {}
    with Service(url) as service:
        service.create_shop()
        wait_projected(url)
        before = asyncio.run(floors.head(url))
        out["first"], answer = service.push(body)
        assert answered(answer, "letrehozott") == n, answer[:300]
        wait_projected(url)
        out["rss_mb"] = service.peak_rss_mb()  # the projector's process, too, once it has projected the push
        events = asyncio.run(floors.event_rows(url, before))
        out["events"], out["event_bytes"] = len(events), sum(len(e[3]) for e in events)
        out["copy_floor"] = asyncio.run(floors.copy_floor(url, events))
        out["unchanged"], answer = service.push(body)
        assert answered(answer, "valtozatlan") == n, answer[:300]
        out["unchanged_floor"] = asyncio.run(floors.parse_select_floor(url, body, SHOP, skus))
        wait_projected(url)
        out["one_percent"], answer = service.push(changed)
        assert answered(answer, "modositott") == len(range(k % 100, n, 100)), answer[:300]
        out["one_percent_floor"] = asyncio.run(floors.parse_select_floor(url, changed, SHOP, skus))
        wait_projected(url)
    return out


async def timed_rebuild(url: str) -> tuple[int, float]:
    from ledger.http.app import open_pool
    from projections.shadow import rebuild_without_downtime

    pool = await open_pool(url, min_size=1, max_size=2)
    try:
        started = time.perf_counter()
        count = (await rebuild_without_downtime(url, pool))["rebuilt_events"]  # as the CLI and the API
        return count, time.perf_counter() - started
    finally:
        await pool.close()


async def checkpoint(url: str) -> str:
    """How long a CHECKPOINT took, or why none was taken (it needs a superuser or pg_checkpoint)."""
    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        await conn.execute("CHECKPOINT")
        return f"{time.perf_counter() - started:.1f} s"
    except asyncpg.InsufficientPrivilegeError:
        return "not taken (no superuser or pg_checkpoint role): the latency runs may meet one"
    finally:
        await conn.close()


async def audit_subject(url: str, sku: str) -> dict:
    conn = await asyncpg.connect(url)
    try:
        return dict(await conn.fetchrow(
            "SELECT (SELECT count(*) FROM ledger_events) AS events_stored,"
            " (SELECT version FROM product_state WHERE shop = $1 AND sku = $2) AS sku_events,"
            " (SELECT count(*) FROM price_history WHERE shop = $1 AND sku = $2) AS price_points,"
            " (SELECT at FROM price_history WHERE shop = $1 AND sku = $2 ORDER BY position"
            "  OFFSET (SELECT count(*) / 2 FROM price_history WHERE shop = $1 AND sku = $2) LIMIT 1)"
            " AS middle", SHOP, sku))
    finally:
        await conn.close()


def audit_results(service: Service, url: str, sku: str) -> list[dict]:
    subject = asyncio.run(audit_subject(url, sku))
    detail = {k: subject[k] for k in ("events_stored", "sku_events", "price_points")}
    path = f"/api/shops/{SHOP}/products/{sku}"
    floor = asyncio.run(load.read_latencies(service.base, "/healthz"))
    ms = asyncio.run(load.read_latencies(service.base, f"{path}/price-history"))
    out = [result("audit_read_p50", load.percentile(ms, 50), "ms", floor=load.percentile(floor, 50),
                  ratio=True, requests=len(ms), sku=sku, **detail),
           result("audit_read_p99", load.percentile(ms, 99), "ms", floor=load.percentile(floor, 99),
                  ratio=True, target=("value", "<=", 10), requests=len(ms), sku=sku, **detail)]
    as_of = f"{path}?as_of={subject['middle'].isoformat().replace('+', '%2B')}"
    now_status, now_body = asyncio.run(load.get(service.base, path))
    then_status, then_body = asyncio.run(load.get(service.base, as_of))
    if then_status != 200 or then_body == now_body:
        return out + [result("audit_as_of", None, "ms", note=f"not available: as_of answered {then_status}"
                             + (" with the current state (ignored)" if then_status == 200 else ""))]
    ms = asyncio.run(load.read_latencies(service.base, as_of))
    return out + [result("audit_as_of_p50", load.percentile(ms, 50), "ms", floor=load.percentile(floor, 50),
                         ratio=True, **detail),
                  result("audit_as_of_p99", load.percentile(ms, 99), "ms", floor=load.percentile(floor, 99),
                         ratio=True, target=("value", "<=", 10), **detail)]


def source() -> dict:
    """The commit measured, and whether the working tree differed from it."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "ledger", "projections", "migrations"],
                                    cwd=root, capture_output=True, text=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def push_results(pg: TestServer, rows: list[dict], body: bytes, repeat: int) -> list[dict]:
    rounds = []
    for k in range(repeat):
        url = pg.new_database()
        rounds.append(push_round(url, rows, body, k))
        pg.drop(url)
        say(f"push round {k + 1}: " + ", ".join(f"{key} {v:.3f}" for key, v in rounds[-1].items()))
    med = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    runs = lambda key: [round(r[key], 3) for r in rounds]  # noqa: E731
    return [
        result("first_push", med["first"], "s", floor=med["copy_floor"], ratio=True,
               target=("ratio", "<=", 4), runs=runs("first"), floor_runs=runs("copy_floor"),
               events=int(med["events"]), event_mb=round(med["event_bytes"] / 1e6, 1),
               body_mb=round(len(body) / 1e6, 1)),
        result("unchanged_push", med["unchanged"], "s", floor=med["unchanged_floor"], ratio=True,
               target=("ratio", "<=", 2), runs=runs("unchanged"), floor_runs=runs("unchanged_floor")),
        result("one_percent_push", med["one_percent"], "s", floor=med["one_percent_floor"], ratio=True,
               target=("ratio", "<=", 3), runs=runs("one_percent"), floor_runs=runs("one_percent_floor")),
        result("first_push_rss", med["rss_mb"], "MB", target=("value", "<=", 500), runs=runs("rss_mb")),
    ]


def history_results(url: str, body: bytes, skus: list[str], args) -> list[dict]:
    with Service(url) as service:
        service.create_shop()
    added = asyncio.run(synthetic.build_history(url, SHOP, body, args.events, max(1, len(skus) // 100)))
    say(f"synthetic history: {added} events")
    count, seconds = asyncio.run(timed_rebuild(url))
    say(f"rebuild: {count} events in {seconds:.1f} s")
    say(f"checkpoint: {asyncio.run(checkpoint(url))}")
    results = [result("rebuild", count / seconds, "events/s", target=("value", ">=", 20_000),
                      events=count, seconds=round(seconds, 1))]
    with Service(url) as service:
        results += audit_results(service, url, skus[len(skus) // 2])
        say("audit reads done")
        most, paced = [], []
        for _ in range(args.repeat):  # the VM's speed drifts within minutes: medians, as for the pushes
            most.append(asyncio.run(load.small_pushes(service.base, skus, args.clients, args.seconds)))
            say(f"small pushes, as fast as answered: {most[-1]}")
            paced.append(asyncio.run(load.small_pushes(service.base, skus, args.clients, args.seconds, rate=400)))
            say(f"small pushes, 400/s offered: {paced[-1]}")
    return results + [
        result("small_pushes", statistics.median(r["rate"] for r in most), "syncs/s",
               target=("value", ">=", 400), clients=args.clients, runs=_runs(most)),
        result("small_pushes_p99", statistics.median(r["p99_ms"] for r in paced), "ms",
               target=("value", "<=", 50), clients=args.clients, runs=_runs(paced)),
    ]


def _runs(runs: list[dict]) -> list[dict]:
    return [{k: round(v, 1) for k, v in run.items() if v is not None} for run in runs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="push rounds (fresh database each), and runs of"
                        " each small-push load")
    parser.add_argument("--events", type=int, help="events stored for rebuild and reads (default: 1,000,000"
                        " from 20,000 rows up, as the workloads ask; else 25 per row)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10, help="duration of each small_pushes run")
    args = parser.parse_args()
    args.events = args.events or (1_000_000 if args.rows >= 20_000 else 25 * args.rows)

    pg = TestServer()
    try:
        rows = catalogue_rows(args.rows, seed=1)
        body = to_xml(rows)
        say(f"{args.rows} rows, {len(body) / 1e6:.1f} MB; PostgreSQL at {pg.url}")
        results = push_results(pg, rows, body, args.repeat)
        url = pg.new_database()
        results += history_results(url, body, [r["termekkod"] for r in rows], args)
        version, settings = asyncio.run(database_facts(url))
        database = "TEST_DATABASE_URL" if os.environ.get("TEST_DATABASE_URL") else "embedded (tests/pg.py)"
        report = {"rows": args.rows, "machine": machine(version, settings, database), "source": source(),
                  "seconds": round(time.perf_counter() - STARTED, 1), "results": results}
    finally:
        pg.close()
    print(table(results))
    for r in results:
        if note := r.get("detail", {}).get("note"):
            print(f"{r['name']}: {note}")
    print(f"rows={args.rows}  total {report['seconds']} s  failing: "
          + (", ".join(r["name"] for r in results if r["pass"] is False) or "none"))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
