"""U5: the whole tree, applied only under full sync with category management on."""
from __future__ import annotations

from lxml import etree

from tests.conftest import ADMIN
from tests.http.helpers import basic, get_json, make_shop, settled
from tests.kulcs_docs import product_xml

KULCS = {**basic("bolt", "kulcs-jelszo"), "Content-Type": "text/xml"}


def tree_xml(categories, encoding="windows-1250") -> bytes:
    items = "".join(f"<kategoria><azonosito>{i}</azonosito><nev>{n}</nev><szulo>{p}</szulo></kategoria>"
                    for i, n, p in categories)
    return f'<?xml version="1.0" encoding="{encoding}"?><kategoriak>{items}</kategoriak>'.encode(encoding)


async def send(client, body):
    response = await client.post("/kulcs/bolt/categories", data=body, headers=KULCS)
    root = etree.fromstring(await response.read())
    return response.status, {c.tag: c.text for c in root}


def flatten(nodes):
    for node in nodes:
        yield node
        yield from flatten(node["children"])


async def test_upload_is_ignored_unless_full_sync_with_category_management(client):
    await make_shop(client, sync_type="full")
    status, answer = await send(client, tree_xml([("15", "Kerti bútor", "0")]))
    assert (status, answer["eredmeny"]) == (200, "FIGYELMEN_KIVUL")
    await settled(client)
    assert await get_json(client, "/api/shops/bolt/categories") == []
    (sync,) = await get_json(client, "/api/shops/bolt/syncs")
    assert (sync["kind"], sync["outcome"]) == ("categories", "ignored")


async def test_a_rename_and_a_deactivation_in_the_tree(client):
    await make_shop(client, sync_type="full", manage_categories=True)
    status, first = await send(client, tree_xml([("15", "Kerti bútor", "0"), ("16", "Székek", "15"),
                                                 ("17", "Asztalok", "15")]))
    assert (status, first["eredmeny"], first["letrehozott"]) == (200, "OK", "3")
    status, second = await send(client, tree_xml([("15", "Kerti bútorok", "0"), ("16", "Székek", "15")]))
    assert (second["modositott"], second["valtozatlan"]) == ("1", "1")
    await settled(client)
    tree = await get_json(client, "/api/shops/bolt/categories")
    assert [n["kulcs_id"] for n in tree] == ["15"]
    nodes = {n["kulcs_id"]: n for n in flatten(tree)}
    assert nodes["15"]["name"] == "Kerti bútorok" and nodes["17"]["active"] is False
    assert {n["kulcs_id"] for n in nodes["15"]["children"]} == {"16", "17"}
    rename = [h for h in nodes["15"]["history"] if h["field"] == "name"]
    assert [(h["old"], h["new"]) for h in rename] == [(None, "Kerti bútor"), ("Kerti bútor", "Kerti bútorok")]
    assert rename[1]["sync_id"] == second["szinkron"]
    deactivation = [h for h in nodes["17"]["history"] if h["field"] == "active"]
    assert deactivation[-1]["new"] is False and deactivation[-1]["sync_id"] == second["szinkron"]


async def test_kat_in_product_uploads_resolves_against_kulcs_ids_first(client):
    await make_shop(client, sync_type="full", manage_categories=True)
    await send(client, tree_xml([("15", "Kerti bútor", "0"), ("99", "15", "0")]))
    await client.post("/kulcs/bolt/products", data=product_xml([{"termekkod": "A", "kat": "15"}]),
                      headers=KULCS)
    await settled(client)
    product = await get_json(client, "/api/shops/bolt/products/A")
    assert product["category"]["kulcs_id"] == "15" and product["category"]["name"] == "Kerti bútor"


async def test_missing_parent_or_cycle_rejects_the_document(client):
    await make_shop(client, sync_type="full", manage_categories=True)
    status, answer = await send(client, tree_xml([("16", "Székek", "15")]))
    assert status == 400 and "szülő" in answer["uzenet"]
    status, answer = await send(client, tree_xml([("1", "A", "2"), ("2", "B", "1")]))
    assert status == 400 and "körkörös" in answer["uzenet"]
    await settled(client)
    assert await get_json(client, "/api/shops/bolt/categories") == []
    assert [s["outcome"] for s in await get_json(client, "/api/shops/bolt/syncs")] == ["rejected"] * 2


async def test_an_empty_tree_is_refused_rather_than_deactivating_everything(client):
    await make_shop(client, sync_type="full", manage_categories=True)
    await send(client, tree_xml([("15", "Kerti bútor", "0")]))
    status, _ = await send(client, b"<kategoriak/>")
    assert status == 400
    await settled(client)
    assert (await get_json(client, "/api/shops/bolt/categories"))[0]["active"] is True


async def test_category_upload_honours_the_idempotency_key(client):
    await make_shop(client, sync_type="full", manage_categories=True)
    headers = {**KULCS, "Idempotency-Key": "cat-1"}
    first = await client.post("/kulcs/bolt/categories", data=tree_xml([("1", "Ő", "0")]), headers=headers)
    again = await client.post("/kulcs/bolt/categories", data=tree_xml([("1", "Ű", "0")]), headers=headers)
    assert await first.read() == await again.read()
    await settled(client)
    assert (await get_json(client, "/api/shops/bolt/categories"))[0]["name"] == "Ő"
    response = await client.patch("/api/shops/bolt", json={"manage_categories": False}, headers=ADMIN)
    assert response.status == 200


async def test_kat_naming_a_deactivated_kulcs_category_finds_it_rather_than_creating_one(client):
    await make_shop(client, sync_type="full", manage_categories=True)
    await send(client, tree_xml([("15", "Kerti bútor", "0"), ("16", "Székek", "15")]))
    await send(client, tree_xml([("15", "Kerti bútor", "0")]))  # deactivates 16
    response = await client.post("/kulcs/bolt/products", headers=KULCS,
                                 data=product_xml([{"termekkod": "A", "kat": "16"}]))
    assert b"<eredmeny>OK</eredmeny>" in await response.read()
    await settled(client)
    product = await get_json(client, "/api/shops/bolt/products/A")
    assert (product["category"]["kulcs_id"], product["category"]["name"]) == ("16", "Székek")
    nodes = list(flatten(await get_json(client, "/api/shops/bolt/categories")))
    assert sorted((n["kulcs_id"], n["name"], n["active"]) for n in nodes) == [
        ("15", "Kerti bútor", True), ("16", "Székek", False)]


async def test_an_id_or_name_too_long_to_be_an_index_key_rejects_the_tree_and_is_recorded(client):
    """Was a 503 'storage unavailable' after the database refused the index entry: nothing recorded,
    and Kulcs, told to retry, sent the same tree for ever."""
    import random
    long_text = "".join(random.Random(0).choices("abcdefghijklmnopqrstuvwxyz", k=4000))
    await make_shop(client, sync_type="full", manage_categories=True)
    for tree, field in (([(long_text, "Kert", "0")], "azonosito"), ([("1", long_text, "0")], "nev")):
        status, answer = await send(client, tree_xml(tree))
        assert (status, answer["uzenet"]) == (400, f"túl hosszú <{field}>: legfeljebb 255 karakter (sor 1)")
    await settled(client)
    assert await get_json(client, "/api/shops/bolt/categories") == []
    assert [s["outcome"] for s in await get_json(client, "/api/shops/bolt/syncs")] == ["rejected"] * 2
