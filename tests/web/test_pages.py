"""What the pages show: the chart's points are the price history, the tables carry the same data, search,
the sync log's filters, a sync's counts, rejected rows and changes, replays, categories, the price list."""
from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone

from ledger.domain.values import budapest_day
from ledger.http.keys import LEDGER
from ledger.service.product_upload import handle_product_upload
from ledger.web import i18n
from tests.conftest import ADMIN
from tests.http.helpers import basic, get_json, make_shop
from tests.kulcs_docs import call, product_xml
from tests.shop_actions import shop_sale_price_at
from tests.web.helpers import new_token, push, shop_with_history, settled


def attributes(html: str, selector_class: str, name: str) -> list[str]:
    return re.findall(rf'<circle class="point {selector_class}"[^>]*\b{name}="([^"]*)"', html)


async def test_the_price_chart_has_one_point_per_price_history_entry_linked_to_its_sync(client, browser):
    await shop_with_history(client)
    me = await browser().sign_in(await new_token(client, "auditor"))
    history = await get_json(client, "/api/shops/bolt/products/KS-1/price-history")
    html = await me.text("/ui/shops/bolt/products/KS-1")
    assert len(history) == 3
    assert attributes(html, "point-base", "data-sync-id") == [h["sync_id"] for h in history]
    assert attributes(html, "point-base", "data-value") == [h["base_price"] for h in history]
    sale = [h for h in history if h["effective_sale_price"]]
    assert attributes(html, "point-sale", "data-sync-id") == [h["sync_id"] for h in sale]
    for entry in history:
        assert (f'<a href="/ui/shops/bolt/syncs/{entry["sync_id"]}" data-sync-id="{entry["sync_id"]}">'
                f'<circle class="point point-base"') in html
    table = html.split('id="price-history"')[1].split("</table>")[0]
    assert table.count("<tr data-position=") == len(history)
    fields = await get_json(client, "/api/shops/bolt/products/KS-1/history")
    stock = [f for f in fields if f["field"] == "stock1"]
    assert attributes(html, "point-stock", "data-sync-id") == [f["sync_id"] for f in stock]
    field_table = html.split('id="field-history"')[1].split("</table>")[0]
    assert field_table.count("<tr data-field=") == len(fields)
    assert field_table.count('<tr data-field="stock1">') == len(stock) == 3


async def test_a_product_without_history_points_shows_no_chart_but_says_so(client, browser):
    await shop_with_history(client)
    me = await browser().sign_in(await new_token(client, "auditor"))
    html = await me.text("/ui/shops/bolt/products/KS-2")
    assert len(attributes(html, "point-base", "data-sync-id")) == 1
    assert "point-sale" not in html


async def test_search_by_sku_prefix_or_name_part(client, browser):
    await shop_with_history(client)
    me = await browser().sign_in(await new_token(client, "shop", "bolt"))

    async def skus(q: str) -> list[str]:
        html = await me.text("/ui/shops/bolt/products?q=" + q)
        return re.findall(r'<a class="sku" href="[^"]+">([^<]+)</a>', html)
    assert await skus("ks-") == ["KS-1", "KS-2"]
    assert await skus("KS-2") == ["KS-2"]
    assert await skus("bögr") == ["KS-2"]
    assert await skus("DELUXE") == ["KS-1"]
    assert await skus("S-1") == [], "a SKU matches by its beginning"
    assert await skus("%25") == [] and await skus("_") == [], "LIKE wildcards are plain characters"
    assert await skus("") == ["KS-1", "KS-2"]


async def test_the_sync_log_filters_by_kind_outcome_and_days(client, browser):
    data = await shop_with_history(client)
    me = await browser().sign_in(await new_token(client, "auditor"))

    async def ids(query: str) -> list[str]:
        html = await me.text("/ui/shops/bolt/syncs" + query)
        return re.findall(r'<tr data-sync-id="([^"]+)"', html)
    everything = await ids("")
    assert everything[:3] == data["syncs"][::-1] and len(everything) == 4  # and the category upload
    assert await ids("?kind=products") == data["syncs"][::-1]
    assert await ids("?kind=categories") == everything[3:]
    assert await ids("?outcome=partial") == [data["syncs"][2]]
    assert await ids("?kind=products&outcome=applied") == data["syncs"][1::-1]
    today = budapest_day(datetime.now(timezone.utc))
    assert await ids(f"?from={today}&to={today}") == everything
    assert await ids(f"?to={today - timedelta(days=1)}") == []
    assert await ids(f"?from={today + timedelta(days=1)}") == []
    html = await me.text("/ui/shops/bolt/syncs?kind=products&outcome=partial")
    assert '<option value="partial" selected>' in html and '<option value="products" selected>' in html
    for bad in ("?from=tegnap", "?kind=everything", "?outcome=<x>", "?before=-1"):
        response = await me.get("/ui/shops/bolt/syncs" + bad)
        assert response.status == 400, bad
        assert "<x>" not in await response.text()


async def test_the_sync_log_pages_backwards(client, browser):
    await shop_with_history(client)
    for n in range(55):
        await push(client, [{"termekkod": "KS-2", "ar": str(2000 + n)}])
    await settled(client)
    me = await browser().sign_in(await new_token(client, "auditor"))
    html = await me.text("/ui/shops/bolt/syncs?kind=products")
    first = re.findall(r'<tr data-sync-id="([^"]+)"', html)
    older = re.search(r'<a href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&")
    second = re.findall(r'<tr data-sync-id="([^"]+)"', await me.text(older))
    assert len(first) == 50 and len(second) == 8 and not set(first) & set(second)


async def test_a_sync_page_shows_counts_rejected_rows_and_every_change(client, browser):
    data = await shop_with_history(client)
    me = await browser().sign_in(await new_token(client, "shop", "bolt"))
    sync = await get_json(client, f"/api/shops/bolt/syncs/{data['syncs'][2]}")
    html = await me.text(f"/ui/shops/bolt/syncs/{data['syncs'][2]}")
    counts = html.split('id="counts"')[1].split("</table>")[0]
    for name, value in sync["counts"].items():
        label = i18n.STRINGS["hu"][f"count.{name}"]
        assert f"<tr><th>{label}</th><td class=\"num\">{value}</td></tr>" in counts
    rejected = html.split('id="rejected-rows"')[1].split("</table>")[0]
    assert rejected.count("<tr><td>") == len(sync["errors"]) == 1
    assert sync["errors"][0]["reason"] in rejected
    changes = html.split('id="changes"')[1].split("</table>")[0]
    assert changes.count('<td class="mono">') == len(sync["changes"]) >= 3
    assert '<td class="new">12500.00</td>' in changes


async def test_an_order_sync_page_lists_the_orders_it_confirmed_as_the_api_does(client, browser):
    from tests.http.test_orders import confirm, download, shop_headers
    from tests.order_payloads import order_payload

    await make_shop(client)
    shop = await shop_headers(client)
    await client.post("/api/shops/bolt/orders", json=order_payload("R-1"), headers=shop)
    await download(client)
    _, answer, _ = await confirm(client, b"<visszaigazolas><megrendeles><azonosito>R-1</azonosito>"
                                         b"<bizonylatszam>VR-9</bizonylatszam></megrendeles></visszaigazolas>")
    await settled(client)
    sync = await get_json(client, f"/api/shops/bolt/syncs/{answer['szinkron']}")
    assert [(c["order_id"], c["field"]) for c in sync["order_changes"]] == [("R-1", "confirmed")]
    me = await browser().sign_in(await new_token(client, "shop", "bolt"))
    html = await me.text(f"/ui/shops/bolt/syncs/{answer['szinkron']}")
    changes = html.split('id="changes"')[1].split("</table>")[0]
    assert re.search(r'<td>R-1</td>\s*<td class="mono">confirmed</td>', changes), changes


async def test_dry_run_shows_the_diff_and_writes_nothing(client, browser):
    data = await shop_with_history(client)
    me = await browser().sign_in(await new_token(client, "support"))
    before = await get_json(client, "/api/shops/bolt/syncs")
    response = await me.post(f"/ui/shops/bolt/syncs/{data['syncs'][0]}/dry-run",
                             {"csrf": await me.csrf("/ui/shops/bolt")})
    html = await response.text()
    assert response.status == 200
    assert f'href="/ui/shops/bolt/syncs/{data["syncs"][0]}?lang=en"' in html, "the language links reload a GET page"
    diff = html.split('id="dry-run-changes"')[1].split("</table>")[0]
    # Applied again now, the first push puts KS-1's base price back from 12500 to 10000.
    assert re.search(r'KS-1</a></td>\s*<td class="mono">base_price</td>\s*<td class="old">12500.00</td>\s*'
                     r'<td class="new">10000.00</td>', diff)
    await settled(client)
    assert await get_json(client, "/api/shops/bolt/syncs") == before
    assert (await get_json(client, "/api/shops/bolt/products/KS-1"))["base_price"] == "12500.00"


async def test_a_real_replay_needs_its_confirmation_then_becomes_a_new_sync(client, browser):
    data = await shop_with_history(client)
    me = await browser().sign_in(await new_token(client, "support"))
    path = f"/ui/shops/bolt/syncs/{data['syncs'][0]}/replay"
    html = await me.text(path)
    assert 'name="confirm" value="yes" required' in html
    secret = await me.csrf(path)
    response = await me.post(path, {"csrf": secret})
    assert response.status == 400 and "Jelölje be a megerősítést." in await response.text()
    assert len(await get_json(client, "/api/shops/bolt/syncs")) == 4
    response = await me.post(path, {"csrf": secret, "confirm": "yes"})
    assert response.status == 303
    new_page = response.headers["Location"]
    new_id = new_page.rsplit("/", 1)[1]
    replayed = await get_json(client, f"/api/shops/bolt/syncs/{new_id}")
    assert replayed["replay_of"] == data["syncs"][0]
    html = await me.text(new_page)
    assert f'href="/ui/shops/bolt/syncs/{data["syncs"][0]}"' in html.split('id="replay-of"')[1]
    assert (await get_json(client, "/api/shops/bolt/products/KS-1"))["base_price"] == "10000.00"


async def test_a_replay_run_from_the_page_shows_who_ran_it(client, browser):
    from ledger.service.secrets import split_token

    data = await shop_with_history(client)
    token = await new_token(client, "support")
    me = await browser().sign_in(token)
    path = f"/ui/shops/bolt/syncs/{data['syncs'][0]}/replay"
    response = await me.post(path, {"csrf": await me.csrf(path), "confirm": "yes"})
    html = await me.text(response.headers["Location"])
    token_id, _ = split_token(token)
    assert html.split('id="replayed-by">')[1].startswith(f"token:{token_id}<")
    new_id = response.headers["Location"].rsplit("/", 1)[1]
    listed = (await me.text("/ui/shops/bolt/syncs")).split(f'<tr data-sync-id="{new_id}">')[1].split("</tr>")[0]
    assert f"token:{token_id}" in listed, "the sync list names who ran a replay, as the API's list does"


async def test_a_call_that_changes_nothing_offers_no_replay(client, browser):
    await shop_with_history(client)
    response = await client.get("/kulcs/bolt/products", headers=basic("bolt", "kulcs-jelszo"))
    assert response.status == 200 and await response.read()
    await settled(client)
    (download,) = await get_json(client, "/api/shops/bolt/syncs?kind=products_download")
    me = await browser().sign_in(await new_token(client, "support"))
    path = f"/ui/shops/bolt/syncs/{download['sync_id']}"
    assert "dry-run" not in await me.text(path)
    assert (await me.get(path + "/replay")).status == 404
    response = await me.post(path + "/dry-run", {"csrf": await me.csrf("/ui/")})
    assert response.status == 400 and "cannot be replayed" in await response.text()


async def test_the_category_tree_nests_children_under_parents(client, browser):
    await shop_with_history(client)
    me = await browser().sign_in(await new_token(client, "shop", "bolt"))
    html = await me.text("/ui/shops/bolt/categories")
    tree = html.split('id="category-tree"')[1]
    root = tree.index("Kerti bútor")
    assert root < tree.index("Székek") and root < tree.index("&lt;b&gt;Asztalok&lt;/b&gt;")
    assert tree.count("<ul>") == 1, "one nested list: the children of Kerti bútor"


async def test_the_price_list_as_of_the_end_of_a_day(client, browser):
    await shop_with_history(client)
    me = await browser().sign_in(await new_token(client, "auditor"))
    today = budapest_day(datetime.now(timezone.utc))
    html = await me.text(f"/ui/shops/bolt/price-list?day={today}")
    rows = html.split('id="price-list"')[1].split("</table>")[0]
    assert rows.count("<tr><td><a href=") == 2 and "12\u202f500,00" in rows and "1\u202f500,00" in rows
    html = await me.text("/ui/shops/bolt/price-list")
    assert f'value="{today}"' in html, "today by default"
    yesterday = await me.text(f"/ui/shops/bolt/price-list?day={today - timedelta(days=1)}")
    assert "<tr><td><a href=" not in yesterday.split('id="price-list"')[1]
    response = await me.get(f"/ui/shops/bolt/price-list?day={today}&format=csv")
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/csv")
    lines = (await response.text()).strip().splitlines()
    assert lines[0].startswith("sku,base_price") and len(lines) == 3
    assert (await me.get("/ui/shops/bolt/price-list?day=2026-02-30")).status == 400


async def test_the_overview_shows_health_lag_and_recent_syncs(client, browser):
    data = await shop_with_history(client)
    me = await browser().sign_in(await new_token(client, "shop", "bolt"))
    html = await me.text("/ui/shops/bolt")
    assert '<dd id="projection-lag">0</dd>' in html
    recent = html.split('id="recent-syncs"')[1].split("</table>")[0]
    assert re.findall(r'<tr data-sync-id="([^"]+)"', recent)[:3] == data["syncs"][::-1]
    assert "figyelmet igényel" in html, "the last products sync was partial"


async def test_the_price_list_day_ends_at_midnight_in_budapest(client, browser):
    import asyncio

    from ledger.http.keys import LEDGER
    from ledger.service.product_upload import handle_product_upload
    from tests.http.helpers import make_shop
    from tests.kulcs_docs import call, product_xml

    await make_shop(client, sync_type="full")
    ledger = client.server.app[LEDGER]
    for at, price in ((datetime(2026, 3, 1, 22, 30, tzinfo=timezone.utc), "100"),   # 23:30 in Budapest
                      (datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc), "200")):  # 00:30 the next day
        await asyncio.to_thread(handle_product_upload, ledger, call("bolt", product_xml(
            [{"termekkod": "A", "ar": price}]), at=at), "full", max_rows=100)
    await settled(client)
    me = await browser().sign_in(await new_token(client, "auditor"))
    for day, shown in (("2026-02-28", None), ("2026-03-01", "100,00"), ("2026-03-02", "200,00")):
        rows = (await me.text(f"/ui/shops/bolt/price-list?day={day}")).split('id="price-list"')[1]
        assert (f'<td class="num">{shown}</td>' in rows) if shown else ("<tr><td><a" not in rows), day


async def test_a_sku_with_a_slash_or_a_space_links_to_its_own_page(client, browser):
    await shop_with_history(client)
    await push(client, [{"termekkod": "A/B 1", "nev": "Per jeles", "ar": "100"}])
    await settled(client)
    me = await browser().sign_in(await new_token(client, "shop", "bolt"))
    html = await me.text("/ui/shops/bolt/products?q=A")
    (href,) = re.findall(r'<a class="sku" href="([^"]+)">A/B 1</a>', html)
    assert href == "/ui/shops/bolt/products/A%2FB%201"
    assert "Per jeles" in await me.text(href)


async def test_a_sale_price_window_that_began_is_a_sale_point_and_a_table_row_and_a_csv_row(
        client, browser, monkeypatch):
    """Set ten days ago to run from five days ago: the price changed then, with no event."""
    await make_shop(client, sync_type="full")
    now = datetime.now(timezone.utc)
    ledger = client.server.app[LEDGER]
    await asyncio.to_thread(handle_product_upload, ledger, call("bolt", product_xml(
        [{"termekkod": "KS-9", "ar": "1000"}]), at=now - timedelta(days=11)), "full", max_rows=10)
    starts = budapest_day(now) - timedelta(days=5)
    action = await asyncio.to_thread(shop_sale_price_at, ledger, monkeypatch, "bolt", "KS-9", "5",
                                     {"price": "777", "valid_from": starts.isoformat()},
                                     now - timedelta(days=10))
    await settled(client)
    history = await get_json(client, "/api/shops/bolt/products/KS-9/price-history")
    assert [(h["effective_sale_price"], h["window"] and h["window"]["edge"]) for h in history] == [
        (None, None), (None, None), ("777.00", "start")]
    assert history[2]["sync_id"] == str(action) and history[2]["at"].startswith(
        (starts - timedelta(days=1)).isoformat() + "T2")  # Budapest midnight, in UTC the evening before
    me = await browser().sign_in(await new_token(client, "auditor"))
    html = await me.text("/ui/shops/bolt/products/KS-9")
    assert len(attributes(html, "point-base", "data-sync-id")) == 2
    assert attributes(html, "point-sale", "data-sync-id") == [str(action)]
    table = html.split('id="price-history"')[1].split("</table>")[0]
    assert table.count("<tr data-position=") == 3 and table.count('data-window="start"') == 1
    response = await client.get("/api/shops/bolt/products/KS-9/price-history?format=csv", headers=ADMIN)
    lines = (await response.text()).splitlines()
    assert lines[0].endswith(",window_priority,window_edge") and lines[3].endswith(",5,start")


async def test_the_overview_says_when_a_rebuild_of_the_views_is_running(client, browser, db_url):
    from tests.integration.test_one_fill_per_shadow import shadow_held

    await make_shop(client)
    me = await browser().sign_in(await new_token(client, "support", None))
    assert 'id="rebuild-running"' not in await me.text("/ui/shops/bolt")
    with shadow_held(db_url, "rebuild"):
        html = await me.text("/ui/shops/bolt")
    assert '<dd id="rebuild-running">' in html and "fut" in html.split('id="rebuild-running"')[1][:80]
    assert '<span class="badge warn">' in html.split('id="health"')[1][:400]
