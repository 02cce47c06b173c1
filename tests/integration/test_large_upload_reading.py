"""A large upload is read differently: fingerprints are looked up first, by SKUs picked from the bytes,
and rows that read as before are never taken apart. These pin that it decides exactly as the small path."""
from __future__ import annotations

import psycopg
import pytest

from ledger.service import product_upload
from ledger.service.product_upload import handle_product_upload
from ledger.service.shops import create_shop
from tests.kulcs_docs import call, product_xml


@pytest.fixture
def shop(ledger_app):
    create_shop(ledger_app, {"webshopid": "s1", "password": "secret1", "sync_type": "full"}, "test")
    return "s1"


@pytest.fixture(params=["small", "large"])
def reading(request, monkeypatch):
    if request.param == "large":
        monkeypatch.setattr(product_upload, "_LARGE_DOCUMENT", 0)
    return request.param


@pytest.fixture
def parsed(monkeypatch):
    seen = []
    real_parse = product_upload.parse_raw_row
    monkeypatch.setattr(product_upload, "parse_raw_row", lambda raw, **kw: seen.append(raw.sku_text) or real_parse(raw, **kw))
    return seen


def push(app, shop, rows, encoding="utf-8"):
    return handle_product_upload(app, call(shop, product_xml(rows, encoding)), "full", max_rows=1000).result


def state(db_url, sku):
    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT version, fields->>'base_price' FROM product_state WHERE sku = %s",
                            (sku,)).fetchone()


def test_rows_read_as_before_are_not_taken_apart_either_way(ledger_app, shop, reading, parsed):
    rows = [{"termekkod": f"Ő-{n}", "ar": "1 000,00", "nev": "Fűrész"} for n in range(6)]
    push(ledger_app, shop, rows, "windows-1250")
    parsed.clear()
    rows[4]["ar"] = "1 200"
    result = push(ledger_app, shop, rows, "windows-1250")
    assert parsed == ["Ő-4"]
    assert (result.counts["modified"], result.counts["unchanged"], result.counts["received"]) == (1, 5, 6)


def test_a_sku_the_bytes_hide_is_still_found_and_changed_not_created_again(ledger_app, shop, reading, db_url):
    # "A&amp;B" is not what the byte scan picks up; the row's real SKU is looked up after the parse.
    push(ledger_app, shop, [{"termekkod": "A&B", "ar": "10"}, {"termekkod": "C", "ar": "1"}])
    result = push(ledger_app, shop, [{"termekkod": "A&B", "ar": "11"}, {"termekkod": "C", "ar": "1"}])
    assert (result.counts["created"], result.counts["modified"], result.counts["unchanged"]) == (0, 1, 1)
    assert state(db_url, "A&B") == (2, "11.00")


def test_a_row_read_as_before_is_decided_when_its_sku_comes_twice(ledger_app, shop, reading, parsed, db_url):
    push(ledger_app, shop, [{"termekkod": "T", "ar": "1"}, {"termekkod": "U", "ar": "1"}])
    parsed.clear()
    result = push(ledger_app, shop, [{"termekkod": "T", "ar": "1"}, {"termekkod": "U", "ar": "1"},
                                     {"termekkod": "T", "ar": "2"}])
    assert parsed == ["T", "T"]
    assert (result.counts["modified"], result.counts["unchanged"]) == (1, 2)
    assert state(db_url, "T") == (2, "2.00")


def test_a_row_read_as_before_sent_twice_in_one_upload_is_decided_twice(ledger_app, shop, reading, parsed,
                                                                         db_url):
    push(ledger_app, shop, [{"termekkod": "T", "ar": "1"}])
    parsed.clear()
    result = push(ledger_app, shop, [{"termekkod": "T", "ar": "1"}, {"termekkod": "T", "ar": "1"}])
    assert parsed == ["T", "T"]
    assert (result.counts["received"], result.counts["unchanged"]) == (2, 2)
    assert state(db_url, "T") == (1, "1.00")


def test_new_and_known_skus_mixed_in_one_large_upload(ledger_app, shop, reading, db_url):
    push(ledger_app, shop, [{"termekkod": f"K-{n}", "ar": "5"} for n in range(3)])
    result = push(ledger_app, shop, [{"termekkod": f"K-{n}", "ar": "5"} for n in range(5)])
    assert (result.counts["created"], result.counts["unchanged"]) == (2, 3)
    assert state(db_url, "K-4") == (1, "5.00")
