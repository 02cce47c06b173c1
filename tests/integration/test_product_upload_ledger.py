"""A product upload against a real PostgreSQL: atomic, retried on conflict, never half-applied."""
from __future__ import annotations

import threading

import psycopg
import pytest

from ledger.service import product_upload
from ledger.service.product_upload import handle_product_upload
from ledger.service.shops import create_shop
from tests.kulcs_docs import call, product_xml


def counts(db_url) -> dict:
    with psycopg.connect(db_url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("ledger_events", "kulcs_requests", "product_state")}


@pytest.fixture
def shop(ledger_app):
    create_shop(ledger_app, {"webshopid": "s1", "password": "secret1", "sync_type": "full"}, "test")
    return "s1"


def push(app, shop, rows, mode="full"):
    return handle_product_upload(app, call(shop, product_xml(rows)), mode, max_rows=1000).result


def test_push_records_request_events_and_state_together(ledger_app, shop, db_url):
    before = counts(db_url)
    result = push(ledger_app, shop, [{"termekkod": "A", "ar": "100"}, {"termekkod": "B", "ar": "200"}])
    after = counts(db_url)
    assert result.outcome == "applied" and result.counts["created"] == 2
    assert after["ledger_events"] - before["ledger_events"] == 3  # two products and the sync
    assert after["kulcs_requests"] - before["kulcs_requests"] == 1
    assert after["product_state"] == 2


def test_push_is_atomic_when_its_transaction_fails_late(ledger_app, shop, db_url):
    push(ledger_app, shop, [{"termekkod": "A", "ar": "100"}])
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("""
            CREATE FUNCTION refuse_b() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.sku = 'B' THEN RAISE EXCEPTION 'disk full (simulated)'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER refuse_b BEFORE INSERT ON product_state FOR EACH ROW EXECUTE FUNCTION refuse_b();
        """)
    before = counts(db_url)
    with pytest.raises(Exception, match="disk full"):
        push(ledger_app, shop, [{"termekkod": "A", "ar": "150"}, {"termekkod": "B", "ar": "200"}])
    assert counts(db_url) == before
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT fields->>'base_price' FROM product_state WHERE sku = 'A'"
                            ).fetchone()[0] == "100.00"


def test_same_push_again_is_a_new_sync_with_zero_changes(ledger_app, shop, db_url):
    rows = [{"termekkod": "A", "ar": "100", "arakcios": "90", "nev": "Ár"}]
    first = push(ledger_app, shop, rows)
    events_after_first = counts(db_url)["ledger_events"]
    second = push(ledger_app, shop, rows)
    assert second.sync_id != first.sync_id
    assert second.counts["unchanged"] == 1 and second.counts["modified"] == 0
    assert counts(db_url)["ledger_events"] == events_after_first + 1  # only the sync's own record


def test_concurrent_conflict_is_retried_not_lost(ledger_app, shop, db_url, monkeypatch):
    push(ledger_app, shop, [{"termekkod": "A", "ar": "100", "szabadraktar": "1"}])
    both_decided = threading.Barrier(2, timeout=10)
    attempts = []
    real_decide = product_upload.decide_push

    def decide_then_wait(*args, **kwargs):
        decision = real_decide(*args, **kwargs)
        attempts.append(threading.current_thread().name)
        if len(attempts) <= 2:
            both_decided.wait()  # both decided from the same version: one of them must lose
        return decision

    monkeypatch.setattr(product_upload, "decide_push", decide_then_wait)
    results = {}

    def run(name, rows):
        results[name] = push(ledger_app, shop, rows)

    threads = [threading.Thread(target=run, args=("price", [{"termekkod": "A", "ar": "120"}])),
               threading.Thread(target=run, args=("stock", [{"termekkod": "A", "szabadraktar": "7"}]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(attempts) == 3, "the losing push decides again"
    assert {r.counts["modified"] for r in results.values()} == {1}
    with psycopg.connect(db_url) as conn:
        version, base, stock = conn.execute(
            "SELECT version, fields->>'base_price', fields->>'stock1' FROM product_state WHERE sku='A'"
        ).fetchone()
    assert (version, base, stock) == (3, "120.00", "7")


def test_rows_that_read_as_the_last_ones_applied_are_not_parsed_again(ledger_app, shop, db_url, monkeypatch):
    rows = [{"termekkod": f"F-{n}", "ar": "1 000,00", "arakcios": "900", "nev": "Fűrész"} for n in range(5)]
    push(ledger_app, shop, rows)
    parsed = []
    real_parse = product_upload.parse_raw_row
    monkeypatch.setattr(product_upload, "parse_raw_row", lambda raw, **kw: parsed.append(raw.sku_text) or real_parse(raw, **kw))
    again = push(ledger_app, shop, rows)
    assert parsed == [] and again.counts["unchanged"] == 5 and again.counts["received"] == 5
    rows[2]["ar"] = "1 100"
    rows[3]["ar"] = "1000"  # the same value written differently: parsed, unchanged, remembered
    changed = push(ledger_app, shop, rows)
    assert parsed == ["F-2", "F-3"] and (changed.counts["modified"], changed.counts["unchanged"]) == (1, 4)
    parsed.clear()
    push(ledger_app, shop, rows)
    assert parsed == []


def test_a_sku_sent_twice_is_always_decided(ledger_app, shop, monkeypatch):
    push(ledger_app, shop, [{"termekkod": "T", "ar": "1"}])
    result = push(ledger_app, shop, [{"termekkod": "T", "ar": "2"}, {"termekkod": "T", "ar": "1"}])
    assert result.counts["modified"] == 2


def test_categories_a_push_creates_do_not_make_its_rows_look_new(ledger_app, shop, monkeypatch):
    rows = [{"termekkod": f"K-{n}", "ar": "5", "kat": f"Kategória {n % 2}"} for n in range(4)]
    push(ledger_app, shop, rows)
    parsed = []
    real_parse = product_upload.parse_raw_row
    monkeypatch.setattr(product_upload, "parse_raw_row", lambda raw, **kw: parsed.append(raw.sku_text) or real_parse(raw, **kw))
    assert push(ledger_app, shop, rows).counts["unchanged"] == 4 and parsed == []
