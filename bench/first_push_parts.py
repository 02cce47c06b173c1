"""What a U1 first push (a full Kulcs catalogue push of N new products) must do at the least with the
things this service stores, each part timed on its own against the issue's floor, in one run.

    python bench/first_push_parts.py --rows 20000 [--repeat 3] [--json out.json]

The target is "first_push ratio <= 4": the push, end to end, within 4 x the COPY floor (bench/run.py).
Each round runs a fresh service on a fresh database (tests/pg.py), creates the shop, times the real
first push from request to answer, waits until the live projector has caught up, reads back what the
push stored, stops the service, and times each part on that data (a median of 3 each):
  copy_floor     asyncpg COPY of the push's event rows into a table like ledger_events (the floor)
  parse          lxml.etree.fromstring(body): the least any reading of the XML costs
  hash_body      SHA-256 of the body (body_sha256 of kulcs_requests and of the Sync event)
  compress_body  zlib.compress(body, 1), as ledger/storage/request_bodies.py stores a large body
  store_body     asyncpg INSERT of the push's kulcs_requests row (its compressed body) into a table
                 like kulcs_requests
  copy_state     asyncpg COPY of the push's product_state rows (fingerprints included) into a table
                 like product_state
  chain_digests  the SHA-256 of every event for the hash chain (ledger/storage/event_chain.py's
                 event_digest, as the recorder computes them)
  store_chain    asyncpg INSERT of the push's ledger_events_chain row (one row; one digest per event)
Each write runs in autocommit, into a scratch table made LIKE the real one INCLUDING ALL, so its own
commit counts; the service commits all of them once, so the sum overstates the least by a few commits.
The service compresses the body in a thread while it parses: on two free cores compress_body overlaps
the parse, and the sum counts both. Printed: each part's median over the rounds, the sum of the
parts, the end-to-end push, the budget 4 x copy_floor, and what the budget leaves for everything else
(the service's Python per row: reading rows, deciding, encoding events and states), in us per row.

Left out, as not stored per product by a first push:
  category_state  one row per category (6 in bench/generator.py's catalogue), not per product
  images          stored only for a <kep> given as a data: URI; the generator's are URLs (so are
                  Kulcs's usual ones), so none are stored (the rows of both are logged per round)
  fingerprints    in product_state's fingerprint column (copy_state); write_fingerprints updates only
                  products already known, none on a first push
  idempotent_answers  one row, and only for a call carrying an Idempotency-Key (this push has none)
  the Sync event  one of the event rows, so in copy_floor
  the writers' lock, NOTIFY and id reservation: one round trip per transaction, not per product
  HTTP            receiving the body and sending the answer: not storage (in the end-to-end time)
  projections     product_view, field_history, price_history: written by the live projector in its
                  own process after the answer, so outside the push's time
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import statistics
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402
from lxml import etree  # noqa: E402

from bench import floors  # noqa: E402
from bench.generator import catalogue_rows, to_xml  # noqa: E402
from bench.report import database_facts, machine, result  # noqa: E402
from bench.service import SHOP, Service, wait_projected  # noqa: E402
from ledger.storage.event_chain import event_digest  # noqa: E402
from ledger.storage.request_bodies import received_form  # noqa: E402
from tests.pg import TestServer  # noqa: E402

BUDGET_RATIO = 4
STARTED = time.perf_counter()


def say(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass
class Stored:
    """What the push stored, as read back."""
    events: list[tuple]  # floors.COLUMNS
    states: list[tuple]
    state_columns: list[str]
    request: asyncpg.Record
    chain: asyncpg.Record
    others: dict[str, int]


# The push --------------------------------------------------------------------------------------------

def created_count(answer: bytes) -> int:
    return int(re.search(rb"<letrehozott>(\d+)</letrehozott>", answer).group(1))


async def stored_by_push(url: str, before: int) -> Stored:
    events = await floors.event_rows(url, before)
    conn = await asyncpg.connect(url)
    try:
        states = await conn.fetch("SELECT * FROM product_state WHERE shop = $1 ORDER BY sku", SHOP)
        requests = await conn.fetch("SELECT * FROM kulcs_requests WHERE shop = $1", SHOP)
        chains = await conn.fetch("SELECT * FROM ledger_events_chain WHERE last_id > $1", before)
        others = {table: await conn.fetchval(f"SELECT count(*) FROM {table} WHERE {column} = $1", value)
                  for table, column, value in (("category_state", "shop", SHOP),
                                               ("images", "first_sync", requests[0]["sync_id"]),
                                               ("idempotent_answers", "shop", SHOP))}
    finally:
        await conn.close()
    assert len(requests) == 1 and len(chains) == 1, (len(requests), len(chains))
    return Stored(events, [tuple(r) for r in states], list(states[0].keys()), requests[0], chains[0], others)


def check(stored: Stored, body: bytes, rows: int) -> None:
    """The rows read back are the push's own: its body, a state per product, a digest per event."""
    request, chain, events = stored.request, stored.chain, stored.events
    assert received_form(request["body"], request["body_compression"]) == body
    assert request["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert len(stored.states) == rows, (len(stored.states), rows)
    assert (chain["first_id"], chain["last_id"]) == (events[0][4], events[-1][4])
    assert list(chain["digests"]) == event_digests(events)


def push_round(pg: TestServer, body: bytes, rows: int) -> dict[str, float]:
    url = pg.new_database()
    try:
        with Service(url) as service:
            service.create_shop()
            wait_projected(url)
            before = asyncio.run(floors.head(url))
            first_push, answer = service.push(body)
            assert created_count(answer) == rows, answer[:300]
            wait_projected(url)  # the projector's work is not the push's: let it finish first
        stored = asyncio.run(stored_by_push(url, before))
        check(stored, body, rows)
        say(f"stored: {len(stored.events)} events, {len(stored.states)} product_state rows, body"
            f" {len(stored.request['body']) / 1e6:.2f} MB stored, "
            + ", ".join(f"{table} {count}" for table, count in stored.others.items()))
        return {"first_push": first_push, **asyncio.run(timed_parts(url, body, stored)),
                "events": len(stored.events), "stored_body_bytes": len(stored.request["body"])}
    finally:
        pg.drop(url)


# The parts -------------------------------------------------------------------------------------------

def event_digests(events: list[tuple]) -> list[bytes]:
    return [event_digest(position, originator_id, version, topic, state)
            for originator_id, version, topic, state, position in events]


def median_seconds(work, repeat: int = 3) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


async def into_scratch(conn: asyncpg.Connection, like: str, write, repeat: int = 3) -> float:
    """Median seconds of `write(table)` into a fresh table shaped like `like` (autocommit, so the
    commit counts)."""
    scratch = f"bench_scratch_{like}"
    timings = []
    try:
        for _ in range(repeat):
            await conn.execute(f"DROP TABLE IF EXISTS {scratch};"
                               f" CREATE TABLE {scratch} (LIKE {like} INCLUDING ALL)")
            started = time.perf_counter()
            await write(scratch)
            timings.append(time.perf_counter() - started)
    finally:
        await conn.execute(f"DROP TABLE IF EXISTS {scratch}")
    return statistics.median(timings)


def insert_row(conn: asyncpg.Connection, row: asyncpg.Record):
    columns = list(row.keys())
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    return lambda table: conn.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", *row.values())


async def timed_parts(url: str, body: bytes, stored: Stored) -> dict[str, float]:
    parts = {"copy_floor": await floors.copy_floor(url, stored.events),
             "parse": median_seconds(lambda: etree.fromstring(body)),
             "hash_body": median_seconds(lambda: hashlib.sha256(body).hexdigest()),
             "compress_body": median_seconds(lambda: zlib.compress(body, 1))}
    conn = await asyncpg.connect(url)
    try:
        parts["store_body"] = await into_scratch(conn, "kulcs_requests", insert_row(conn, stored.request))
        parts["copy_state"] = await into_scratch(conn, "product_state", lambda table: conn.copy_records_to_table(
            table, records=stored.states, columns=stored.state_columns))
        parts["chain_digests"] = median_seconds(lambda: event_digests(stored.events))
        parts["store_chain"] = await into_scratch(conn, "ledger_events_chain", insert_row(conn, stored.chain))
    finally:
        await conn.close()
    return parts


PARTS = ("copy_floor", "parse", "hash_body", "compress_body", "store_body", "copy_state", "chain_digests",
         "store_chain")


# The report ------------------------------------------------------------------------------------------

def summary(rounds: list[dict], rows: int) -> dict:
    """Medians over the rounds; the sum, budget and what is left are of those medians."""
    med = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    floor = med["copy_floor"]
    parts_sum = sum(med[p] for p in PARTS)
    budget = BUDGET_RATIO * floor
    return {**med, "parts_sum": parts_sum, "budget": budget, "left": budget - parts_sum,
            "left_us_per_row": (budget - parts_sum) / rows * 1e6}


def printed_table(s: dict, rows: int) -> str:
    floor = s["copy_floor"]
    line = lambda name, seconds, ratio: (  # noqa: E731
        f"{name:<28}{seconds:>9.3f}{ratio:>13.2f}{seconds / rows * 1e6:>10.1f}")
    out = [f"{'part':<28}{'median s':>9}{'x copy_floor':>13}{'us/row':>10}", "-" * 60]
    out += [line(p, s[p], s[p] / floor) for p in PARTS]
    out += ["-" * 60,
            line("sum of the parts", s["parts_sum"], s["parts_sum"] / floor),
            line("first push, end to end", s["first_push"], s["first_push"] / floor),
            line(f"budget ({BUDGET_RATIO} x copy_floor)", s["budget"], BUDGET_RATIO),
            line("left for everything else", s["left"], s["left"] / floor)]
    return "\n".join(out)


def json_results(s: dict, rounds: list[dict], rows: int) -> list[dict]:
    floor = s["copy_floor"]
    runs = lambda key: [round(r[key], 4) for r in rounds]  # noqa: E731
    return [
        *(result(p, s[p], "s", floor=floor, ratio=True, runs=runs(p)) for p in PARTS),
        result("parts_sum", s["parts_sum"], "s", floor=floor, ratio=True),
        result("first_push", s["first_push"], "s", floor=floor, ratio=True,
               target=("ratio", "<=", BUDGET_RATIO), runs=runs("first_push"), events=int(s["events"])),
        result("budget", s["budget"], "s", floor=floor, ratio=True),
        result("left_for_everything_else", s["left"], "s", floor=floor, ratio=True),
        result("left_per_row", s["left_us_per_row"], "us/row"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds, each on a fresh database")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    pg = TestServer()
    try:
        body = to_xml(catalogue_rows(args.rows, seed=1))
        version, settings = asyncio.run(database_facts(pg.url))
        say(f"{args.rows} rows, {len(body) / 1e6:.1f} MB; PostgreSQL {version} at {pg.url}")
        rounds = []
        for k in range(args.repeat):
            rounds.append(push_round(pg, body, args.rows))
            say(f"round {k + 1}: " + ", ".join(f"{key} {v:.3f}" for key, v in rounds[-1].items()
                                               if key in PARTS or key == "first_push"))
    finally:
        pg.close()
    s = summary(rounds, args.rows)
    print(f"rows={args.rows} body={len(body) / 1e6:.1f} MB (stored {s['stored_body_bytes'] / 1e6:.2f} MB)"
          f" events={int(s['events'])} rounds={args.repeat}  PostgreSQL {version}"
          f" fsync={settings['fsync']} synchronous_commit={settings['synchronous_commit']}")
    print(printed_table(s, args.rows))
    print(f"left per row: {s['left_us_per_row']:.1f} us  (budget {s['budget']:.3f} s - parts"
          f" {s['parts_sum']:.3f} s, over {args.rows} rows); first push ratio"
          f" {s['first_push'] / s['copy_floor']:.2f} (target <= {BUDGET_RATIO})")
    if args.json:
        database = "TEST_DATABASE_URL" if os.environ.get("TEST_DATABASE_URL") else "embedded (tests/pg.py)"
        report = {"rows": args.rows, "machine": machine(version, settings, database),
                  "results": json_results(s, rounds, args.rows)}
        args.json.write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
