"""What a Kulcs product upload does under each sync mode (the source document's matching rules)."""
from datetime import datetime, timezone
from decimal import Decimal
from types import SimpleNamespace
from uuid import uuid4

from ledger.domain.categories import CategoryBook
from ledger.domain.category import Category
from ledger.domain.product import Product
from ledger.domain.product_push import ProductState
from ledger.domain.values import budapest_day
from tests.domain.rows import Row, push, row


def existing(**fields):
    return ProductState(product_id=uuid4(), version=3, fields={
        "name": "Régi név", "unit": "db", "vat": "27", "base_price": "10000.00", "stock1": "5",
        "category": None, "image": None, "description": None, **fields}, sale_prices={})


def test_full_sync_creates_a_product_for_an_unknown_sku():
    decision, states = push([row("KS-1", ar="10 000".replace(" ", ""), nev="Példa", mee="db")])
    (created,) = decision.events
    assert isinstance(created, Product.Created)
    assert created.fields == {"base_price": "10000.00", "name": "Példa", "unit": "db"}
    assert decision.counts["created"] == 1 and states["KS-1"].version == 1


def test_stock_and_price_sync_skips_an_unknown_sku_and_reports_it():
    decision, _ = push([row("NOPE", ar="1")], mode="stock_price")
    assert decision.events == []
    assert decision.counts["skipped"] == 1 and decision.counts["rejected"] == 0
    assert decision.errors[0]["kind"] == "skipped" and decision.errors[0]["sku"] == "NOPE"


def test_stock_and_price_sync_ignores_name_unit_vat_and_category():
    states = {"KS-1": existing()}
    decision, _ = push([row("KS-1", ar="12000", nev="Új név", mee="kg", afakulcs="5", kat="X")],
                       states, mode="stock_price")
    (changed,) = decision.events
    assert changed.changes == {"base_price": {"old": "10000.00", "new": "12000.00"}}


def test_full_sync_overwrites_every_processed_field():
    states = {"KS-1": existing()}
    decision, _ = push([row("KS-1", nev="Új név", mee="kg", afakulcs="5", tmegjegyzes="Leírás")], states)
    assert set(decision.events[0].changes) == {"name", "unit", "vat", "description"}


def test_absent_element_leaves_the_field_as_it_is():
    states = {"KS-1": existing()}
    decision, new_states = push([row("KS-1", szabadraktar="7")], states)
    assert decision.events[0].changes == {"stock1": {"old": "5", "new": "7"}}
    assert new_states["KS-1"].fields["base_price"] == "10000.00"


def test_value_equal_to_the_current_one_records_no_change():
    states = {"KS-1": existing()}
    decision, _ = push([row("KS-1", ar="10000.000", szabadraktar="5.0", nev="Régi név")], states)
    assert decision.events == [] and decision.counts["unchanged"] == 1


def test_changed_product_event_follows_the_stored_version():
    states = {"KS-1": existing()}
    decision, _ = push([row("KS-1", ar="1")], states)
    assert decision.events[0].originator_version == 4


def test_negative_stock_is_taken_as_sent():
    decision, _ = push([row("KS-1", szabadraktar="-2.5")])
    assert decision.events[0].fields["stock1"] == "-2.5"


def test_invalid_row_is_rejected_and_the_rest_applied():
    rows = [Row(1, "KS-1", {"ar": Decimal("5")}), Row(2, "KS-2", {}, ("ar: negatív ár",))]
    decision, _ = push(rows)
    assert decision.counts == {"received": 2, "created": 1, "modified": 0, "unchanged": 0,
                               "skipped": 1, "rejected": 1}
    assert decision.outcome == "partial"
    assert decision.errors == [{"row": 2, "sku": "KS-2", "reason": "ar: negatív ár", "kind": "rejected"}]


def test_row_without_sku_is_rejected():
    decision, _ = push([Row(1, None, {"ar": Decimal("5")})])
    assert decision.errors[0]["reason"] == "termekkod: hiányzik"


def test_same_sku_twice_in_one_push_applies_both_in_order():
    decision, states = push([row("KS-1", ar="1"), row("KS-1", index=2, ar="2")])
    assert [e.originator_version for e in decision.events] == [1, 2]
    assert states["KS-1"].fields["base_price"] == "2.00"


def test_kat_matches_a_kulcs_category_id_first():
    book = CategoryBook("shop1")
    book.add("kulcs:15", "Kerti bútor", "15")
    decision, _ = push([row("KS-1", kat="15")], book=book)
    assert decision.events[0].fields["category"] == "kulcs:15"


def test_kat_matches_a_category_name_case_insensitively():
    book = CategoryBook("shop1")
    book.add("kulcs:15", "Kerti bútor", "15")
    decision, _ = push([row("KS-1", kat="KERTI BÚTOR")], book=book)
    assert decision.events[0].fields["category"] == "kulcs:15"


def test_unknown_category_name_under_full_sync_creates_a_top_level_category_once():
    decision, _ = push([row("KS-1", kat="Székek"), row("KS-2", index=2, kat="székek")])
    created = [e for e in decision.events if isinstance(e, Category.Created)]
    assert len(created) == 1 and created[0].parent_key is None and created[0].name == "Székek"
    assert decision.events[0] is created[0]


def test_kep_url_is_kept_as_a_reference():
    image = SimpleNamespace(kind="url", value="https://example.hu/a.jpg", media_type=None)
    decision, _ = push([row("KS-1", kep=image)])
    assert decision.events[0].fields["image"]["kind"] == "url" and decision.images == []


def test_kep_data_is_stored_by_its_digest():
    image = SimpleNamespace(kind="data", value="ab" * 32, media_type="image/png", data=b"\x89PNG")
    decision, _ = push([row("KS-1", kep=image)])
    assert decision.events[0].fields["image"] == {"kind": "data", "value": "ab" * 32,
                                                  "media_type": "image/png"}
    assert decision.images == [image]


def test_arakcios_creates_priority_10_sale_price_on_a_new_product():
    decision, _ = push([row("KS-1", ar="10000", arakcios="8990")])
    assert decision.events[0].sale_prices == {"10": {
        "price": "8990.00", "valid_from": "2026-11-28", "valid_to": None, "source": "kulcs"}}


def test_kulcs_never_touches_sale_prices_of_other_priorities():
    state = existing()
    state.sale_prices = {"5": {"price": "9000.00", "valid_from": None, "valid_to": None, "source": "shop"}}
    decision, new_states = push([row("KS-1", arakcios="0"), row("KS-1", index=2, arakcios="7000")],
                                {"KS-1": state})
    assert all(set(e.sale_price_changes) == {"10"} for e in decision.events)
    assert new_states["KS-1"].sale_prices["5"]["price"] == "9000.00"


def test_yesterday_is_the_budapest_calendar_day_of_receipt():
    # 23:30 UTC on 27 Nov is already 28 Nov in Budapest (UTC+1): yesterday is the 27th.
    state = existing()
    state.sale_prices = {"10": {"price": "1.00", "valid_from": "2026-11-01", "valid_to": None,
                                "source": "kulcs"}}
    decision, _ = push([row("KS-1", arakcios="0")], {"KS-1": state}, at="2026-11-27T23:30:00+00:00")
    assert decision.events[0].sale_price_changes["10"]["new"]["valid_to"] == "2026-11-27"
    assert budapest_day(datetime(2026, 11, 27, 23, 30, tzinfo=timezone.utc)).isoformat() == "2026-11-28"


def test_kat_finds_a_deactivated_category_by_its_kulcs_id_but_not_by_its_name():
    book = CategoryBook("shop1")
    book.add("kulcs:16", "Székek", "16", by_name=False)
    decision, _ = push([row("KS-1", kat="16"), row("KS-2", index=2, kat="Székek")], book=book)
    categories = {e.sku: e.fields["category"] for e in decision.events if isinstance(e, Product.Created)}
    assert categories == {"KS-1": "kulcs:16", "KS-2": "nev:székek"}


def test_kep_naming_the_digest_of_the_stored_image_keeps_that_image():
    stored = {"kind": "data", "value": "ab" * 32, "media_type": "image/png"}
    states = {"KS-1": existing(image=stored)}
    same = SimpleNamespace(kind="name", value="ab" * 32, media_type=None)  # what U4 sent for it
    decision, _ = push([row("KS-1", kep=same)], states)
    assert decision.events == [] and decision.counts["unchanged"] == 1
    other = SimpleNamespace(kind="name", value="cd" * 32, media_type=None)
    decision, _ = push([row("KS-1", kep=other)], states)
    assert decision.events[0].changes["image"]["new"] == {"kind": "name", "value": "cd" * 32, "media_type": None}
