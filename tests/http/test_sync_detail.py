"""GET /api/shops/{shop}/syncs/{sync_id}: the sync "plus the row errors and every change it made"."""
from __future__ import annotations

from tests.http.helpers import get_json, make_shop, settled
from tests.http.test_kulcs_category_upload import send, tree_xml


async def test_a_category_upload_shows_the_categories_it_changed(client):
    await make_shop(client, sync_type="full", manage_categories=True)
    await send(client, tree_xml([("15", "Kerti bútor", "0"), ("17", "Asztalok", "15")]))
    _, second = await send(client, tree_xml([("15", "Kerti bútorok", "0")]))
    await settled(client)
    detail = await get_json(client, f"/api/shops/bolt/syncs/{second['szinkron']}")
    changed = {(c["category"], c["field"], c["old"], c["new"]) for c in detail["category_changes"]}
    assert changed == {("kulcs:15", "name", "Kerti bútor", "Kerti bútorok"), ("kulcs:17", "active", True, False)}
    assert detail["changes"] == []
    assert all(c["event_position"] <= detail["event_position"] for c in detail["category_changes"])
