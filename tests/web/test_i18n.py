"""Hungarian by default, English with ?lang=en (kept in a cookie), numbers written the local way."""
from __future__ import annotations

from ledger.web import i18n
from tests.web.helpers import new_token, shop_with_history


def test_both_languages_have_every_string():
    assert set(i18n.STRINGS["hu"]) == set(i18n.STRINGS["en"])
    assert all(i18n.STRINGS[lang][key].strip() for lang in i18n.LANGUAGES for key in i18n.STRINGS[lang])


def test_money_and_quantities_the_hungarian_and_the_english_way():
    assert i18n.money("25990.00", "hu") == "25\u202f990,00" and i18n.money("25990.00", "en") == "25,990.00"
    assert i18n.money(None, "hu") == "–"
    assert i18n.quantity("1234.50", "hu") == "1\u202f234,5" and i18n.quantity("7", "en") == "7"


async def test_sign_in_page_is_hungarian_unless_english_is_asked_for(client, browser):
    me = browser()
    html = await me.text("/ui/sign-in")
    assert '<html lang="hu">' in html and "Bejelentkezés" in html and "API-token" in html
    response = await me.get("/ui/sign-in?lang=en")
    html = await response.text()
    assert '<html lang="en">' in html and ">Sign in<" in html and "Bejelentkezés" not in html
    assert response.cookies["kl_lang"].value == "en"
    assert ">Sign in<" in await me.text("/ui/sign-in"), "the choice is kept"
    assert "Bejelentkezés" in await me.text("/ui/sign-in?lang=hu")
    assert "Bejelentkezés" in await me.text("/ui/sign-in?lang=xx"), "an unknown language changes nothing"


async def test_product_and_sync_pages_in_both_languages(client, browser):
    data = await shop_with_history(client)
    me = await browser().sign_in(await new_token(client, "support"))
    sync = data["syncs"][2]
    hungarian = await me.text("/ui/shops/bolt/products/KS-1")
    for label in ("Az ár alakulása", "A készlet alakulása", "A mezők története", "Az árak története", "Alapár",
                  "Készlet", "Termékek", "Szinkronizálások", "12\u202f500,00", "ügyfélszolgálat"):
        assert label in hungarian, label
    english = await me.text("/ui/shops/bolt/products/KS-1?lang=en")
    for label in ("Price over time", "Stock over time", "Field history", "Price history", "Base price",
                  "Products", "Syncs", "12,500.00", "support"):
        assert label in english, label
    assert "Az ár alakulása" not in english
    english_sync = await me.text(f"/ui/shops/bolt/syncs/{sync}")
    assert "Rejected rows" in english_sync and "Dry-run replay" in english_sync and "partial" in english_sync
    hungarian_sync = await me.text(f"/ui/shops/bolt/syncs/{sync}?lang=hu")
    assert "Elutasított sorok" in hungarian_sync and "Próba-újrajátszás" in hungarian_sync
    assert "részben" in hungarian_sync


async def test_counts_and_the_sync_type_are_hungarian_too(client, browser):
    data = await shop_with_history(client)
    me = await browser().sign_in(await new_token(client, "support"))
    sync_page = await me.text(f"/ui/shops/bolt/syncs/{data['syncs'][2]}?lang=hu")
    for word in ("beérkezett", "létrehozva", "változatlan"):
        assert word in sync_page, word
    assert ">received<" not in sync_page and "received:" not in sync_page
    overview = await me.text("/ui/shops/bolt?lang=hu")
    assert "Szinkron típusa</dt><dd>teljes" in overview
    english = await me.text(f"/ui/shops/bolt/syncs/{data['syncs'][2]}?lang=en")
    assert ">received<" in english
