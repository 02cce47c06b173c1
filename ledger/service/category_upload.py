"""U5: Kulcs's whole category tree, applied only under full sync with category management on."""
from __future__ import annotations

from ledger.domain.ids import category_id
from ledger.domain.category_tree import CategoryState, decide_tree
from ledger.kulcs.answers import render_upload_answer
from ledger.kulcs.category_upload import PARSER_VERSION, parse_category_upload
from ledger.kulcs.xml_safety import DocumentError
from ledger.service.answers import (
    Answer, Render, answer_duplicate, previous_answer, reject_document, remember_answer,
)
from ledger.service.calls import ReceivedCall, SyncResult, sync_recorded
from ledger.service.ledger_app import LedgerApp, retry_on_conflict
from ledger.storage.state_writes import CategoryStateRow, write_category_state

IGNORED_MESSAGE = "a kategóriák kezelése nincs bekapcsolva (teljes szinkron és kategóriakezelés kell)"


def handle_category_upload(app: LedgerApp, call: ReceivedCall, *, manages_categories: bool,
                           xml: bytes, render: Render = render_upload_answer,
                           idempotency_key: str | None = None, dry_run: bool = False) -> Answer:
    if not dry_run and (previous := previous_answer(app, call.shop, idempotency_key)):
        return answer_duplicate(app, call, previous)
    if not manages_categories:
        if dry_run:
            return Answer(SyncResult(call.sync_id, "ignored", {}, [], IGNORED_MESSAGE), 200, b"")
        return retry_on_conflict(lambda: _ignore_once(app, call, render, idempotency_key))
    try:
        rows = parse_category_upload(xml)
        if not rows:
            raise DocumentError("üres kategóriafa: a feltöltés az egész fa, üresen minden kategóriát kikapcsolna")
    except DocumentError as error:
        return reject_document(app, call, str(error), render=render, key=idempotency_key,
                               parser_version=PARSER_VERSION, dry_run=dry_run)
    return retry_on_conflict(lambda: _apply_once(app, call, rows, render, idempotency_key, dry_run))


def _ignore_once(app, call, render, key) -> Answer:
    if previous := previous_answer(app, call.shop, key):
        return answer_duplicate(app, call, previous)
    status, body = render(SyncResult(call.sync_id, "ignored", {}, [], IGNORED_MESSAGE))
    event = sync_recorded(call, outcome="ignored", counts={}, errors=[], message=IGNORED_MESSAGE,
                          parser_version=None)
    positions = app.save_events(event, state_writes=[call.request_write(),
                                               remember_answer(call, key, status, body)])
    return Answer(SyncResult(call.sync_id, "ignored", {}, [], IGNORED_MESSAGE,
                             positions[-1]), status, body)



def _apply_once(app, call, rows, render, key, dry_run=False) -> Answer:
    if not dry_run and (previous := previous_answer(app, call.shop, key)):
        return answer_duplicate(app, call, previous)
    current = {r["category_key"]: CategoryState(r["category_key"], r["version"], r["kulcs_id"], r["name"],
                                                r["parent_key"], r["active"])
               for r in app.fetch("SELECT * FROM category_state WHERE shop = %s", (call.shop,))}
    decision = decide_tree(call.shop, rows, current, call.sync_id, call.received_at,
                           "replay" if call.replay_of else "kulcs")
    status, body = render(SyncResult(call.sync_id, "applied", decision.counts, []))
    sync_event = sync_recorded(call, outcome="applied", counts=decision.counts, errors=[],
                               message=None, parser_version=PARSER_VERSION)
    if dry_run:
        return Answer(SyncResult(call.sync_id, "applied", decision.counts, []), status, body,
                      tuple(decision.events))
    positions = app.save_events(*decision.events, sync_event, state_writes=[
        call.request_write(),
        write_category_state([CategoryStateRow(call.shop, s.category_key,
                                               category_id(call.shop, s.category_key), s.version,
                                               s.kulcs_id, s.name, s.parent_key, s.active)
                              for s in decision.states]),
        remember_answer(call, key, status, body),
    ])
    return Answer(SyncResult(call.sync_id, "applied", decision.counts, [],
                             position=positions[-1]), status, body,
                  tuple(decision.events))
