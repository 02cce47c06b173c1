"""What each kind of Kulcs push adds to the database, table by table: for sizing a disk.

    python bench/storage_growth.py [--rows 20000] [--repeat 3]

Runs `kulcs-ledger serve` on a fresh embedded PostgreSQL (or TEST_DATABASE_URL), then pushes a
catalogue of --rows new products, the same catalogue --repeat times unchanged, and --repeat times with
1% of prices and stocks changed, waiting for the projector after each. After each push it reads every
table's size with its indexes and TOAST (VACUUM ANALYZE first, so that dead rows and the free space
map are settled) and prints what the push added, per table and in all, with the request body's size.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402

from bench.generator import catalogue_rows, change_prices_and_stocks, to_xml  # noqa: E402
from bench.service import Service, wait_projected  # noqa: E402
from tests.pg import TestServer  # noqa: E402

SIZES = ("SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n"
         " ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")


async def table_sizes(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE")
        return dict(await conn.fetch(SIZES))
    finally:
        await conn.close()


def growth(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {t: after[t] - before.get(t, 0) for t in after if after[t] != before.get(t, 0)}


def report(name: str, body: bytes, added: dict[str, int]) -> None:
    largest = sorted(added.items(), key=lambda item: -item[1])[:6]
    print(f"{name:<18} body {len(body) / 1e6:6.2f} MB  added {sum(added.values()) / 1e6:7.2f} MB  "
          + "  ".join(f"{table} {size / 1e6:.2f}" for table, size in largest))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    pg = TestServer()
    url = pg.new_database()
    rows = catalogue_rows(args.rows, seed=1)
    catalogue = to_xml(rows)
    pushes = [("first_push", catalogue)] + [("unchanged_push", catalogue)] * args.repeat + [
        ("one_percent_push", to_xml(change_prices_and_stocks(rows, range(k, args.rows, 100), seed=k)))
        for k in range(args.repeat)]
    print(f"rows={args.rows}; sizes in MB (tables with their indexes and TOAST); largest tables added to")
    try:
        with Service(url) as service:
            service.create_shop()
            wait_projected(url)
            sizes = asyncio.run(table_sizes(url))
            for name, body in pushes:
                service.push(body)
                wait_projected(url)
                after = asyncio.run(table_sizes(url))
                report(name, body, growth(sizes, after))
                sizes = after
    finally:
        pg.drop(url)
        pg.close()


if __name__ == "__main__":
    main()
