"""Replaying a stored Kulcs call with today's parser and state: as a dry run that writes nothing, or
for real as a new sync whose `replay_of` names the original. Re-parsing is the same thing: the stored
bytes are read again by the current parser, whatever the parser that first saw them made of them."""
from __future__ import annotations

from datetime import datetime, timezone
from uuid import UUID, uuid4

from ledger.audit.changes import changes_of, names_of
from ledger.kulcs.envelope import form_fields_and_xml, recorded_body
from ledger.service.calls import ReceivedCall
from ledger.service.category_upload import handle_category_upload
from ledger.service.ledger_app import LedgerApp
from ledger.service.order_confirm import handle_order_confirm
from ledger.service.product_upload import handle_product_upload
from ledger.service.shops import ShopError
from ledger.storage.request_bodies import HELD_BODY, REQUESTS_HOLDING, as_received

REPLAYABLE = ("products", "categories", "orders_confirm")


def stored_call(app: LedgerApp, shop: str, sync_id: UUID) -> dict:
    rows = app.fetch(f"SELECT r.*, {HELD_BODY} FROM {REQUESTS_HOLDING} WHERE r.shop = %s AND r.sync_id = %s",
                     (shop, sync_id))
    if not rows:
        raise ShopError("no such sync", status=404)
    return as_received(rows[0])


def replay(app: LedgerApp, shop_row, sync_id: UUID, *, dry_run: bool, actor: str,
           max_rows: int = 200_000) -> dict:
    """`actor`: who runs it, recorded on a real replay's sync as `replayed_by`."""
    original = stored_call(app, shop_row["webshopid"], sync_id)
    if original["kind"] not in REPLAYABLE:
        raise ShopError(f"a {original['kind']} call changes nothing and cannot be replayed")
    content_type = (original["content_type"] or "text/xml").split(";")[0].strip().lower()
    body = bytes(original["body"])
    _fields, xml = form_fields_and_xml(content_type, original["content_type"], body)
    # a body recorded before form fields were masked is recorded masked this time
    body = recorded_body(content_type, original["content_type"], body)
    call = ReceivedCall(
        sync_id=uuid4(), shop=original["shop"], kind=original["kind"],
        received_at=datetime.now(timezone.utc), method=original["method"], path=original["path"],
        query=original["query"], content_type=original["content_type"],
        headers={**original["headers"], "X-Replay-Of": str(sync_id)}, remote="replay",
        body=body, replay_of=sync_id, replayed_by=actor)
    answer = _handle(app, shop_row, call, xml or b"", dry_run, max_rows)
    return {"dry_run": dry_run, "replay_of": str(sync_id),
            "sync_id": None if dry_run else str(call.sync_id), "kind": call.kind,
            "outcome": answer.result.outcome, "counts": answer.result.counts,
            "errors": answer.result.errors, "message": answer.result.message,
            "changes": changes_of(answer.events, names_of(app, call.shop, answer.events))}


def _handle(app, shop_row, call, xml, dry_run, max_rows):
    if call.kind == "products":
        return handle_product_upload(app, call, shop_row["sync_type"], max_rows=max_rows, xml=xml,
                                     dry_run=dry_run)
    if call.kind == "categories":
        manages = shop_row["sync_type"] == "full" and shop_row["manage_categories"]
        return handle_category_upload(app, call, manages_categories=manages, xml=xml, dry_run=dry_run)
    return handle_order_confirm(app, call, xml=xml, dry_run=dry_run)
