"""A scripted Kulcs session against a running service: the issue's acceptance scenario end to end."""
from __future__ import annotations

import base64
import json
import time
from decimal import ROUND_HALF_UP, Decimal

import pytest
from lxml import etree

from tests.e2e.server import ADMIN_TOKEN, ServerProcess
from tests.kulcs_docs import product_xml
from tests.order_payloads import MIXED_VAT_LINES, order_payload

KULCS = {"Authorization": "Basic " + base64.b64encode(b"bolt:kulcs-jelszo").decode(),
         "Content-Type": "text/xml"}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}


@pytest.fixture
def server(db_url, tmp_path):
    process = ServerProcess(db_url, tmp_path / "server.log")
    process.start()
    yield process
    process.stop()


def api(server, method, path, value=None, headers=ADMIN):
    status, body = server.request(method, path, None if value is None else json.dumps(value).encode(), headers)
    return status, json.loads(body) if body else None


def wait_settled(server):
    for _ in range(200):
        ready = json.loads(server.get("/readyz")[1])
        if ready["projections"][0]["lag"] == 0:
            return
        time.sleep(0.05)
    raise AssertionError("projections did not catch up")


def test_categories_products_orders_download_confirm_download(server):
    status, _ = api(server, "POST", "/api/shops", {
        "webshopid": "bolt", "password": "kulcs-jelszo", "sync_type": "full", "manage_categories": True,
        "shipping_sku": "SZALLITAS", "payment_fee_sku": "UTANVET", "coupon_sku": "KUPON"})
    assert status == 201
    tree = ('<?xml version="1.0" encoding="windows-1250"?><kategoriak>'
            "<kategoria><azonosito>15</azonosito><nev>Kerti bútor</nev><szulo>0</szulo></kategoria>"
            "<kategoria><azonosito>16</azonosito><nev>Székek</nev><szulo>15</szulo></kategoria>"
            "</kategoriak>").encode("cp1250")
    assert server.request("POST", "/kulcs/bolt/categories", tree, KULCS)[0] == 200
    products = product_xml([{"termekkod": "KS-1", "nev": "Kerti szék", "ar": "10 000", "kat": "16"},
                            {"termekkod": "KONYV-1", "nev": "Könyv", "ar": "4 761,90", "kat": "15"},
                            {"termekkod": "KENYER", "nev": "Kenyér", "ar": "847,46", "mee": "kg"}],
                           "windows-1250")
    assert server.request("POST", "/kulcs/bolt/products", products, KULCS)[0] == 200

    from tests.e2e.test_cli import cli
    token = cli(server.db_url, "token", "create", "--role", "shop", "--shop", "bolt").stdout.split()[-1]
    shop = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    orders = [
        order_payload("100234", "2026-11-20T13:40:00+01:00", lines=MIXED_VAT_LINES,
                      shipping_fee="2000", payment_fee={"gross": "500", "vat": "27"},
                      coupon={"code": "NYAR10", "amount": "3000"}),
        order_payload("100235", "2026-11-20T14:00:00+01:00"),
        order_payload("100236", "2026-11-21T09:15:00+01:00"),
    ]
    for order in orders:
        assert api(server, "POST", "/api/shops/bolt/orders", order, shop)[0] == 201

    status, first_download = server.request("GET", "/kulcs/bolt/orders", headers=KULCS)
    root = etree.fromstring(first_download)
    assert status == 200
    assert [e.text for e in root.iterfind("megrendeles/azonosito")] == ["100234", "100235", "100236"]
    big = root.find("megrendeles")
    codes = [t.findtext("termekkod") for t in big.iterfind("tetelek/tetel")]
    assert codes == ["KS-1", "KONYV-1", "KENYER", "SZALLITAS", "UTANVET", "KUPON", "KUPON", "KUPON"]
    status, detail = api(server, "GET", "/api/shops/bolt/orders/100234", headers=shop)
    gross = sum((Decimal(t.findtext("mennyiseg")) * Decimal(t.findtext("nettoegysegar"))
                 * (1 + Decimal(t.findtext("afakulcs")) / 100)).quantize(Decimal("0.01"), ROUND_HALF_UP)
                for t in big.iterfind("tetelek/tetel"))
    assert gross == Decimal(detail["total"]), "line totals add up to the order total to the fillér"

    confirm = ("<visszaigazolas>"
               "<megrendeles><azonosito>100234</azonosito><bizonylatszam>VR-1</bizonylatszam>"
               "<statusz>Teljesítve</statusz></megrendeles>"
               "<megrendeles><azonosito>100235</azonosito></megrendeles>"
               "</visszaigazolas>").encode()
    status, answer = server.request("POST", "/kulcs/bolt/orders/confirm", confirm, KULCS)
    assert status == 200 and b"<modositott>2</modositott>" in answer

    status, second_download = server.request("GET", "/kulcs/bolt/orders", headers=KULCS)
    assert [e.text for e in etree.fromstring(second_download).iterfind("megrendeles/azonosito")] == ["100236"]

    wait_settled(server)
    status, syncs = api(server, "GET", "/api/shops/bolt/syncs")
    assert [(s["kind"], s["outcome"]) for s in reversed(syncs)] == [
        ("categories", "applied"), ("products", "applied"), ("orders_download", "applied"),
        ("orders_confirm", "applied"), ("orders_download", "applied")]
    status, detail = api(server, "GET", "/api/shops/bolt/orders/100234", headers=shop)
    assert detail["downloaded"]["sync_id"] == syncs[2]["sync_id"]
    assert detail["confirmed"]["sync_id"] == syncs[1]["sync_id"] and detail["kulcs_status"] == "invoiced"
    status, product = api(server, "GET", "/api/shops/bolt/products/KS-1")
    assert product["category"]["name"] == "Székek"
