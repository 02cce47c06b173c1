"""U1: one Kulcs product upload, recorded and applied as one transaction."""
from __future__ import annotations

import json

from ledger.domain.categories import CategoryBook
from ledger.domain.product_push import ProductState, SyncContext, decide_push
from ledger.kulcs.answers import render_upload_answer
from ledger.kulcs.product_upload import PARSER_VERSION, parse_product_upload
from ledger.kulcs.xml_safety import DocumentError
from ledger.service.answers import (
    Answer, Render, answer_duplicate, previous_answer, reject_document, remember_answer,
)
from ledger.service.calls import ReceivedCall, SyncResult, sync_recorded
from ledger.service.ledger_app import LedgerApp, retry_on_conflict
from ledger.storage.state_writes import (
    CategoryStateRow, ProductStateRow, StoredImage, write_category_state, write_images,
    write_product_state,
)


def handle_product_upload(app: LedgerApp, call: ReceivedCall, sync_type: str, *, max_rows: int,
                          render: Render = render_upload_answer, xml: bytes | None = None,
                          idempotency_key: str | None = None, dry_run: bool = False) -> Answer:
    """`xml` is the document when it came inside a form; the call's body is what is recorded.
    A dry run decides everything and writes nothing."""
    if not dry_run and (previous := previous_answer(app, call.shop, idempotency_key)):
        return answer_duplicate(app, call, previous)
    try:
        upload = parse_product_upload(call.body if xml is None else xml, max_rows=max_rows)
    except DocumentError as error:
        return reject_document(app, call, str(error), render=render, key=idempotency_key,
                               parser_version=PARSER_VERSION, dry_run=dry_run)
    return retry_on_conflict(
        lambda: _apply_once(app, call, sync_type, upload.rows, render, idempotency_key, dry_run))



def _apply_once(app, call, sync_type, rows, render, idempotency_key, dry_run=False) -> Answer:
    if not dry_run and (previous := previous_answer(app, call.shop, idempotency_key)):
        return answer_duplicate(app, call, previous)
    skus = sorted({row.sku for row in rows if row.sku and not row.errors})
    states = load_product_states(app, call.shop, skus)
    book = load_category_book(app, call.shop) if sync_type == "full" else CategoryBook(call.shop)
    ctx = SyncContext(call.shop, call.sync_id, call.received_at, PARSER_VERSION,
                      "replay" if call.replay_of else "kulcs")
    decision = decide_push(ctx, sync_type, rows, states, book)
    pending = SyncResult(call.sync_id, decision.outcome, decision.counts, decision.errors)
    status, body = render(pending)
    sync_event = sync_recorded(call, outcome=decision.outcome, counts=decision.counts,
                               errors=decision.errors, message=None, parser_version=PARSER_VERSION)
    if dry_run:
        return Answer(pending, status, body, tuple(decision.events))
    recordings = app.save_events(*decision.events, sync_event, state_writes=[
        call.request_write(),
        write_product_state([
            ProductStateRow(call.shop, sku, s.product_id, s.version, s.fields, s.sale_prices)
            for sku, s in decision.changed_states.items()
        ]),
        write_category_state([
            CategoryStateRow(call.shop, e.category_key, e.originator_id, 1, e.kulcs_id, e.name,
                             e.parent_key, True)
            for e in book.created
        ]),
        write_images([StoredImage(i.value, i.media_type, i.data, call.sync_id)
                      for i in decision.images]),
        remember_answer(call, idempotency_key, status, body),
    ])
    result = SyncResult(call.sync_id, decision.outcome, decision.counts, decision.errors,
                        position=recordings[-1].notification.id)
    return Answer(result, status, body, tuple(decision.events))


def load_product_states(app: LedgerApp, shop: str, skus: list[str]) -> dict[str, ProductState]:
    if not skus:
        return {}
    rows = app.fetch(
        "SELECT sku, product_id, version, fields::text AS fields, sale_prices::text AS sale_prices"
        " FROM product_state WHERE shop = %s AND sku = ANY(%s)", (shop, skus))
    return {r["sku"]: ProductState(r["product_id"], r["version"], json.loads(r["fields"]),
                                   json.loads(r["sale_prices"])) for r in rows}


def load_category_book(app: LedgerApp, shop: str) -> CategoryBook:
    book = CategoryBook(shop)
    for r in app.fetch("SELECT category_key, kulcs_id, name FROM category_state"
                       " WHERE shop = %s AND active ORDER BY category_key", (shop,)):
        book.add(r["category_key"], r["name"], r["kulcs_id"])
    return book
