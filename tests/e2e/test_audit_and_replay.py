"""Auditors and support staff: the past on demand, sync diffs, replays and re-parsing, verification."""
from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import psycopg

from ledger.domain.values import budapest_day
from ledger.http.keys import LEDGER
from ledger.service import product_upload
from ledger.kulcs.xml_safety import DocumentError
from ledger.service.product_upload import handle_product_upload
from tests.conftest import ADMIN
from tests.http.helpers import basic, get_json, make_shop, settled
from tests.kulcs_docs import call, product_xml

KULCS = {**basic("bolt", "kulcs-jelszo"), "Content-Type": "text/xml"}
START = datetime(2026, 3, 1, 7, 0, tzinfo=timezone.utc)


async def token(client, role):
    from ledger.http.keys import POOL
    from ledger.service.tokens import create_token

    async with client.server.app[POOL].acquire() as conn:
        return {"Authorization": f"Bearer {await create_token(conn, role, None)}"}


async def push_at(client, rows, at, mode="full"):
    app = client.server.app[LEDGER]
    return (await asyncio.to_thread(handle_product_upload, app, call("bolt", product_xml(rows), at=at),
                                    mode, max_rows=10_000)).result


def table_counts(db_url) -> dict:
    with psycopg.connect(db_url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()]
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


async def test_months_of_syncs_answer_the_auditors_questions_exactly(client):
    await make_shop(client, sync_type="full")
    auditor = await token(client, "auditor")
    rng = random.Random(3)
    skus = [f"A-{n}" for n in range(12)]
    model: dict[str, list] = {sku: [] for sku in skus}  # (at, base price, sale price or None, sync id)
    sale: dict[str, tuple] = {}
    at = START
    for _ in range(320):
        at += timedelta(hours=rng.randint(6, 18), microseconds=rng.randint(0, 999_999))
        chosen = rng.sample(skus, 3)
        rows = []
        for sku in chosen:
            price = Decimal(rng.randint(1000, 9000))
            row = {"termekkod": sku, "ar": str(price)}
            if rng.random() < 0.3:
                row["arakcios"] = str(price - 100) if rng.random() < 0.6 else "0"
            rows.append(row)
        result = await push_at(client, rows, at)
        for row in rows:
            sku = row["termekkod"]
            if "arakcios" in row:
                if row["arakcios"] != "0":
                    sale[sku] = (Decimal(row["arakcios"]), budapest_day(at), None)
                elif sku in sale and sale[sku][2] is None:
                    sale[sku] = (*sale[sku][:2], budapest_day(at) - timedelta(days=1))
            model[sku].append((at, Decimal(row["ar"]), sale.get(sku), str(result.sync_id)))
    await settled(client)

    def expected(sku, instant):
        known = [m for m in model[sku] if m[0] <= instant]
        if not known:
            return None
        at, base, sale_price, sync_id = known[-1]
        day = budapest_day(instant)
        active = sale_price and sale_price[1] <= day and (sale_price[2] is None or sale_price[2] >= day)
        return base, sale_price[0] if active else None, sync_id

    # the price of a SKU at 10:00 on a past day, and the sync that set it
    for sku, day in (("A-3", "2026-05-14"), ("A-7", "2026-06-30"), ("A-0", "2026-04-02")):
        instant = datetime.fromisoformat(f"{day}T10:00:00+02:00")
        product = await get_json(client, f"/api/shops/bolt/products/{sku}?as_of={instant.isoformat()}",
                                 headers=auditor)
        base, sale_price, sync_id = expected(sku, instant)
        assert Decimal(product["base_price"]) == base
        assert (product["effective_sale_price"] and Decimal(product["effective_sale_price"])) == sale_price
        assert product["set_by"]["base_price"]["sync_id"] == sync_id

    # the whole price list at a month's end
    month_end = datetime(2026, 5, 31, 23, 59, 59, tzinfo=timezone.utc)
    listing = await get_json(client, f"/api/shops/bolt/price-list?as_of={month_end.isoformat()}",
                             headers=auditor)
    got = {p["sku"]: (Decimal(p["base_price"]), p["effective_sale_price"] and Decimal(p["effective_sale_price"]),
                      p["sync_id"]) for p in listing["products"]}
    assert got == {sku: expected(sku, month_end) for sku in skus if expected(sku, month_end)}
    csv_response = await client.get(f"/api/shops/bolt/price-list?as_of={month_end.isoformat()}&format=csv",
                                    headers=auditor)
    assert (await csv_response.text()).count("\n") == len(got) + 1

    # what one sync changed
    some_sync = model["A-5"][4][3]
    detail = await get_json(client, f"/api/shops/bolt/syncs/{some_sync}", headers=auditor)
    assert {"sku": "A-5", "field": "base_price"}.items() <= next(
        c for c in detail["changes"] if c["sku"] == "A-5" and c["field"] == "base_price").items()


async def test_as_of_is_exact_at_the_instant_of_a_change_and_one_microsecond_before(client):
    await make_shop(client, sync_type="full")
    first_at = datetime(2026, 4, 1, 8, 0, 0, 123456, tzinfo=timezone.utc)
    change_at = datetime(2026, 4, 2, 9, 30, 15, 654321, tzinfo=timezone.utc)
    await push_at(client, [{"termekkod": "X", "ar": "100"}], first_at)
    second = await push_at(client, [{"termekkod": "X", "ar": "150"}], change_at)
    await settled(client)

    async def price_at(instant):
        response = await client.get("/api/shops/bolt/products/X", params={"as_of": instant.isoformat()},
                                    headers=ADMIN)
        return response.status, (await response.json()).get("base_price")

    assert await price_at(change_at) == (200, "150.00")
    assert await price_at(change_at - timedelta(microseconds=1)) == (200, "100.00")
    assert await price_at(first_at - timedelta(microseconds=1)) == (404, None)
    at_change = await get_json(client, f"/api/shops/bolt/products/X?as_of={change_at.isoformat()}")
    assert at_change["set_by"]["base_price"]["sync_id"] == str(second.sync_id)


async def test_dry_run_replay_writes_nothing_and_a_real_replay_restores_the_values(client, db_url):
    await make_shop(client, sync_type="full")
    support = await token(client, "support")
    response = await client.post("/kulcs/bolt/products", headers=KULCS,
                                 data=product_xml([{"termekkod": "R", "ar": "100", "arakcios": "90"}]))
    original = (await response.text()).split("<szinkron>")[1].split("<")[0]
    await client.post("/kulcs/bolt/products", headers=KULCS,
                      data=product_xml([{"termekkod": "R", "ar": "120", "arakcios": "0"}]))
    await settled(client)
    before = table_counts(db_url)
    dry = await client.post(f"/api/shops/bolt/syncs/{original}/replay", json={"dry_run": True}, headers=support)
    plan = await dry.json()
    assert dry.status == 200 and plan["dry_run"] and plan["sync_id"] is None
    assert {(c["sku"], c["field"], c["old"], c["new"]) for c in plan["changes"] if c["field"] == "base_price"} == {
        ("R", "base_price", "120.00", "100.00")}
    assert any(c["field"] == "sale_price:10" for c in plan["changes"])
    assert table_counts(db_url) == before, "a dry run writes nothing"

    refused = await client.post(f"/api/shops/bolt/syncs/{original}/replay", json={"dry_run": False},
                                headers=await token(client, "auditor"))
    assert refused.status == 403
    real = await client.post(f"/api/shops/bolt/syncs/{original}/replay", json={"dry_run": False},
                             headers=support)
    applied = await real.json()
    assert real.status == 201 and applied["replay_of"] == original
    await settled(client)
    replayed = await get_json(client, f"/api/shops/bolt/syncs/{applied['sync_id']}")
    assert replayed["replay_of"] == original
    product = await get_json(client, "/api/shops/bolt/products/R")
    assert product["base_price"] == "100.00" and product["effective_sale_price"] == "90.00"
    history = await get_json(client, "/api/shops/bolt/products/R/history")
    assert history[-1]["source"] == "replay" and history[-1]["sync_id"] == applied["sync_id"]


async def test_a_real_replay_records_who_ran_it_in_the_sync_list_and_detail(client):
    from ledger.service.secrets import split_token

    await make_shop(client, sync_type="full")
    support = await token(client, "support")
    token_id, _ = split_token(support["Authorization"].removeprefix("Bearer "))
    response = await client.post("/kulcs/bolt/products", headers=KULCS,
                                 data=product_xml([{"termekkod": "W", "ar": "100"}]))
    original = (await response.text()).split("<szinkron>")[1].split("<")[0]
    real = await client.post(f"/api/shops/bolt/syncs/{original}/replay", json={"dry_run": False},
                             headers=support)
    replayed = (await real.json())["sync_id"]
    await settled(client)
    detail = await get_json(client, f"/api/shops/bolt/syncs/{replayed}")
    assert detail["replayed_by"] == f"token:{token_id}"
    listed = {s["sync_id"]: s for s in await get_json(client, "/api/shops/bolt/syncs")}
    assert listed[replayed]["replayed_by"] == f"token:{token_id}"
    assert "replayed_by" not in listed[original], "a call from Kulcs was run by no one here"


async def test_a_request_an_older_parser_rejected_is_reparsed_and_applied(client, monkeypatch):
    await make_shop(client, sync_type="full")

    def older_parser(body, **_):
        raise DocumentError("parser 0: ismeretlen formátum")

    monkeypatch.setattr(product_upload, "read_raw_rows", older_parser)
    response = await client.post("/kulcs/bolt/products", headers=KULCS,
                                 data=product_xml([{"termekkod": "P", "ar": "5"}]))
    assert response.status == 400
    rejected = (await response.text()).split("<szinkron>")[1].split("<")[0]
    monkeypatch.undo()
    support = await token(client, "support")
    dry = await (await client.post(f"/api/shops/bolt/syncs/{rejected}/replay", json={"dry_run": True},
                                   headers=support)).json()
    assert dry["outcome"] == "applied" and dry["counts"]["created"] == 1
    await client.post(f"/api/shops/bolt/syncs/{rejected}/replay", json={"dry_run": False}, headers=support)
    await settled(client)
    assert (await get_json(client, "/api/shops/bolt/products/P"))["base_price"] == "5.00"


async def test_two_syncs_can_be_compared(client):
    await make_shop(client, sync_type="full")
    a = await push_at(client, [{"termekkod": "D1", "ar": "1"}, {"termekkod": "D2", "ar": "2"}],
                      datetime(2026, 5, 1, tzinfo=timezone.utc))
    b = await push_at(client, [{"termekkod": "D1", "ar": "3"}, {"termekkod": "D3", "ar": "2"}],
                      datetime(2026, 5, 2, tzinfo=timezone.utc))
    await settled(client)
    diff = await get_json(client, f"/api/shops/bolt/syncs/{a.sync_id}/diff?against={b.sync_id}")
    assert [(d["sku"], d["this"], d["other"]) for d in diff["different"]] == [("D1", "1.00", "3.00")]
    assert [d["sku"] for d in diff["only_this"]] == ["D2"] and [d["sku"] for d in diff["only_other"]] == ["D3"]
    assert diff["counts"]["created"] == {"this": 2, "other": 1}


async def test_verify_over_http_is_clean_then_names_a_tampered_event(client, db_url):
    await make_shop(client, sync_type="full")
    await client.post("/kulcs/bolt/products", headers=KULCS, data=product_xml([{"termekkod": "V", "ar": "7"}]))
    await settled(client)
    assert (await get_json(client, "/api/shops/bolt/audit/verify"))["ok"] is True
    with psycopg.connect(db_url, autocommit=True) as conn:
        position = conn.execute("SELECT notification_id FROM ledger_events WHERE topic ="
                                " 'kulcs-ledger:Product.Created'").fetchone()[0]
        conn.execute("UPDATE ledger_events SET state = replace(convert_from(state, 'UTF8'), '7.00', '1.00')"
                     "::bytea WHERE notification_id = %s", (position,))
    report = await get_json(client, "/api/shops/bolt/audit/verify")
    assert report["ok"] is False and report["first_broken_link"]["position"] == position


async def test_reads_keep_answering_while_projections_are_rebuilt(client):
    await make_shop(client, sync_type="full")
    for i in range(6):
        rows = [{"termekkod": f"B-{n}", "ar": str(100 + i), "nev": f"Termék {n}"} for n in range(400)]
        await client.post("/kulcs/bolt/products", headers=KULCS, data=product_xml(rows))
    await settled(client)
    support = await token(client, "support")
    answers = []

    async def keep_reading():
        while not rebuild.done():
            response = await client.get("/api/shops/bolt/products/B-7", headers=support)
            answers.append((response.status, (await response.json()).get("base_price")))
            await asyncio.sleep(0.005)

    rebuild = asyncio.ensure_future(client.post("/api/projections/rebuild", headers=support))
    await keep_reading()
    result = await (await rebuild).json()
    assert result["position"] > 0 and len(answers) >= 3
    assert set(answers) == {(200, "105.00")}, "every read during the rebuild answered the current price"
    await client.post("/kulcs/bolt/products", headers=KULCS, data=product_xml([{"termekkod": "B-7", "ar": "999"}]))
    await settled(client)
    assert (await get_json(client, "/api/shops/bolt/products/B-7"))["base_price"] == "999.00"
    status = await get_json(client, "/api/projections")
    assert status[0]["lag"] == 0
