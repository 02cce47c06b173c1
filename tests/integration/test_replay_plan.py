"""A replay's dry run names every change it would make as the real replay does."""
from __future__ import annotations

from ledger.audit.replay import replay
from ledger.service.product_upload import handle_product_upload
from ledger.service.shops import change_shop, create_shop
from tests.kulcs_docs import call, product_xml


def test_dry_run_names_the_sku_of_a_product_it_would_create_and_then_change(ledger_app):
    create_shop(ledger_app, {"webshopid": "s1", "password": "secret1", "sync_type": "stock_price"}, "t")
    rows = [{"termekkod": "NEW", "ar": "100"}, {"termekkod": "NEW", "szabadraktar": "5"}]
    skipped = handle_product_upload(ledger_app, call("s1", product_xml(rows)), "stock_price", max_rows=100)
    assert skipped.result.counts["skipped"] == 2  # unknown SKUs under stock and price
    change_shop(ledger_app, "s1", {"sync_type": "full"}, "t")
    shop = ledger_app.fetch("SELECT * FROM shops WHERE webshopid = 's1'")[0]

    dry = replay(ledger_app, shop, skipped.result.sync_id, dry_run=True, actor="test")
    real = replay(ledger_app, shop, skipped.result.sync_id, dry_run=False, actor="test")

    assert {(c["sku"], c["field"]) for c in dry["changes"]} == {("NEW", "base_price"), ("NEW", "stock1")}
    assert dry["changes"] == real["changes"]
