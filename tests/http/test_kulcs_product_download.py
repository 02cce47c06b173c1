"""U4: the shop's products in U1's element names, filtered by modositva_ota, every call recorded."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from lxml import etree

from ledger.kulcs.product_upload import parse_product_upload
from tests.http.helpers import basic, get_json, make_shop, settled
from tests.kulcs_docs import product_xml

KULCS = basic("bolt", "kulcs-jelszo")


async def test_download_answers_what_an_upload_would_send(client):
    await make_shop(client, sync_type="full")
    rows = [{"termekkod": f"D-{n}", "ar": "1 234,50", "arakcios": "999", "szabadraktar": "3",
             "nev": "Fűrész", "mee": "db", "afakulcs": "27", "kat": "Szerszám",
             "kep": "https://kep.example.hu/1.jpg", "tmegjegyzes": "Leírás"} for n in range(2500)]
    await client.post("/kulcs/bolt/products", data=product_xml(rows, "windows-1250"),
                      headers={**KULCS, "Content-Type": "text/xml"})
    await settled(client)
    response = await client.get("/kulcs/bolt/products", headers=KULCS)
    assert response.status == 200 and response.content_type == "text/xml"
    downloaded = parse_product_upload(await response.read())
    assert len(downloaded.rows) == 2500
    first = downloaded.rows[0]
    assert first.sku == "D-0" and str(first.values["ar"]) == "1234.50"
    assert str(first.values["arakcios"]) == "999.00" and first.values["nev"] == "Fűrész"
    assert first.values["kat"] == "Szerszám" and first.values["kep"].value == "https://kep.example.hu/1.jpg"
    await settled(client)
    kinds = [(s["kind"], s["counts"]) for s in await get_json(client, "/api/shops/bolt/syncs")]
    assert kinds[0] == ("products_download", {"sent": 2500})


async def test_modositva_ota_answers_only_products_changed_since(client):
    await make_shop(client, sync_type="full")
    headers = {**KULCS, "Content-Type": "text/xml"}
    await client.post("/kulcs/bolt/products", data=product_xml([{"termekkod": "OLD", "ar": "1"}]), headers=headers)
    await settled(client)
    await asyncio.sleep(0.05)
    since = datetime.now(timezone.utc).isoformat()
    await client.post("/kulcs/bolt/products", data=product_xml([{"termekkod": "NEW", "ar": "1"}]), headers=headers)
    await settled(client)
    response = await client.get("/kulcs/bolt/products", params={"modositva_ota": since}, headers=KULCS)
    skus = [e.text for e in etree.fromstring(await response.read()).iter("termekkod")]
    assert skus == ["NEW"]
    bad = await client.get("/kulcs/bolt/products", params={"modositva_ota": "tegnap"}, headers=KULCS)
    assert bad.status == 400


async def test_download_needs_kulcs_credentials(client):
    await make_shop(client)
    assert (await client.get("/kulcs/bolt/products", headers=basic("bolt", "x"))).status == 401


async def test_metrics_count_requests_and_kulcs_calls(client):
    await make_shop(client, sync_type="full")
    await client.post("/kulcs/bolt/products", data=product_xml([{"termekkod": "M", "ar": "1"}]),
                      headers={**KULCS, "Content-Type": "text/xml"})
    text = await (await client.get("/metrics")).text()
    assert 'kulcs_ledger_kulcs_calls_total{kind="products",outcome="applied"}' in text
    assert 'route="/kulcs/{shop}/products",status="200"' in text


async def test_metrics_count_every_kind_of_kulcs_call_including_the_downloads(client):
    """U2 and U4 are recorded as syncs like U1, U3 and U5, but kulcs_ledger_kulcs_calls_total never
    counted them: a dashboard of Kulcs calls by kind showed no order pulls at all."""
    from prometheus_client import REGISTRY

    def counted(kind: str) -> float:
        return REGISTRY.get_sample_value("kulcs_ledger_kulcs_calls_total",
                                         {"kind": kind, "outcome": "applied"}) or 0.0

    await make_shop(client, sync_type="full")
    before = {kind: counted(kind) for kind in ("orders_download", "products_download")}
    assert (await client.get("/kulcs/bolt/orders", headers=KULCS)).status == 200
    response = await client.get("/kulcs/bolt/products", headers=KULCS)
    assert response.status == 200
    await response.read()
    assert {kind: counted(kind) - before[kind] for kind in before} == {"orders_download": 1,
                                                                         "products_download": 1}


async def test_a_refused_modositva_ota_is_recorded_with_its_reason(client):
    """Was answered 400 with nothing recorded: support could not see that Kulcs asked, or with what."""
    await make_shop(client)
    response = await client.get("/kulcs/bolt/products", params={"modositva_ota": "tegnap"}, headers=KULCS)
    answer = {c.tag: c.text for c in etree.fromstring(await response.read())}
    assert (response.status, answer["eredmeny"], answer["uzenet"]) == (400, "HIBA", "érvénytelen modositva_ota: tegnap")
    await settled(client)
    (sync,) = await get_json(client, "/api/shops/bolt/syncs")
    assert (sync["sync_id"], sync["kind"], sync["outcome"], sync["message"]) == (
        answer["szinkron"], "products_download", "rejected", "érvénytelen modositva_ota: tegnap")


async def test_a_stored_text_xml_cannot_carry_is_sent_as_a_replacement_character_not_a_broken_download(client):
    """Shop products written before such text was refused may hold it: one of them broke every later
    download of the shop's catalogue midway (the same rule as the orders' download)."""
    from ledger.http.keys import POOL

    await make_shop(client, sync_type="full")
    rows = [{"termekkod": f"D-{n}", "ar": "100", "nev": f"Termék {n}"} for n in range(3)]
    await client.post("/kulcs/bolt/products", data=product_xml(rows), headers={**KULCS, "Content-Type": "text/xml"})
    await settled(client)
    async with client.server.app[POOL].acquire() as conn:
        await conn.execute("UPDATE product_view SET name = E'Rossz\\x01n\\u00e9v' WHERE sku = 'D-1'")
    response = await client.get("/kulcs/bolt/products", headers=KULCS)
    assert response.status == 200
    downloaded = parse_product_upload(await response.read())
    assert [row.sku for row in downloaded.rows] == ["D-0", "D-1", "D-2"]
    assert downloaded.rows[1].values["nev"] == "Rossz\ufffdnév"
