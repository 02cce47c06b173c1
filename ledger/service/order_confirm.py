"""U3: Kulcs confirms the orders it stored; confirmed orders leave U2, and a status moves them on."""
from __future__ import annotations

from dataclasses import replace

from ledger.domain.order import Order
from ledger.kulcs.answers import render_upload_answer
from ledger.kulcs.confirm_upload import PARSER_VERSION, parse_confirmations
from ledger.kulcs.xml_safety import DocumentError
from ledger.service.answers import (
    Answer, Render, answer_duplicate, previous_answer, reject_document, remember_answer,
)
from ledger.service.calls import ReceivedCall, SyncResult, sync_recorded
from ledger.service.ledger_app import LedgerApp, retry_on_conflict
from ledger.service.orders import state_from_row
from ledger.storage.order_writes import write_order_states


def handle_order_confirm(app: LedgerApp, call: ReceivedCall, *, xml: bytes,
                         render: Render = render_upload_answer,
                         idempotency_key: str | None = None, dry_run: bool = False) -> Answer:
    if not dry_run and (previous := previous_answer(app, call.shop, idempotency_key)):
        return answer_duplicate(app, call, previous)
    try:
        confirmations = parse_confirmations(xml)
    except DocumentError as error:
        return reject_document(app, call, str(error), render=render, key=idempotency_key,
                               parser_version=PARSER_VERSION, dry_run=dry_run)
    return retry_on_conflict(
        lambda: _confirm_once(app, call, confirmations, render, idempotency_key, dry_run))



def _confirm_once(app, call, confirmations, render, key, dry_run=False) -> Answer:
    if not dry_run and (previous := previous_answer(app, call.shop, key)):
        return answer_duplicate(app, call, previous)
    ids = sorted({c.order_id for c in confirmations if c.order_id})
    states = {r["order_id"]: state_from_row(r) for r in app.fetch(
        "SELECT *, payload::text AS payload_text FROM order_state WHERE shop = %s AND order_id = ANY(%s)",
        (call.shop, ids))}
    counts = dict(received=0, created=0, modified=0, unchanged=0, skipped=0, rejected=0)
    errors, events, changed = [], [], {}
    for c in confirmations:
        counts["received"] += 1
        state = changed.get(c.order_id) or states.get(c.order_id)
        reason = c.error or (None if state else "ismeretlen megrendelés")
        if reason:
            reason = "; ".join(filter(None, (reason, c.status_error)))
            counts["skipped"] += 1
            counts["rejected"] += 1
            errors.append({"row": c.index, "sku": c.order_id, "reason": reason, "kind": "rejected"})
            continue
        if state.status == "cancelled":  # Kulcs stored it all the same: only this answer tells its user
            told = "; ".join(filter(None, ("a megrendelést a webshop visszavonta", c.status_error)))
            errors.append({"row": c.index, "sku": c.order_id, "kind": "cancelled_in_shop",
                           "reason": f"{told} (visszaigazolva, a Kulcsban kell sztornózni)"})
        elif c.status_error:  # Kulcs has stored the order: leaving it in U2 would hand it over again
            errors.append({"row": c.index, "sku": c.order_id, "kind": "status_unknown",
                           "reason": f"{c.status_error} (visszaigazolva, a státusz nem változott)"})
        new_status = c.status or state.kulcs_status
        new_number = c.document_number or state.document_number
        if state.confirmed and (new_status, new_number) == (state.kulcs_status, state.document_number):
            counts["unchanged"] += 1
            continue
        events.append(Order.Confirmed(originator_id=state.order_uuid, originator_version=state.version + 1,
                                      timestamp=call.received_at, sync_id=call.sync_id,
                                      document_number=c.document_number, kulcs_status=c.status))
        changed[c.order_id] = replace(state, version=state.version + 1, confirmed=True,
                                      kulcs_status=new_status, document_number=new_number)
        counts["modified"] += 1
    outcome = "partial" if errors else "applied"
    status, body = render(SyncResult(call.sync_id, outcome, counts, errors))
    event = sync_recorded(call, outcome=outcome, counts=counts, errors=errors, message=None,
                          parser_version=PARSER_VERSION)
    if dry_run:
        return Answer(SyncResult(call.sync_id, outcome, counts, errors), status, body, tuple(events))
    positions = app.save_events(*events, event, state_writes=[
        call.request_write(), write_order_states(list(changed.values())),
        remember_answer(call, key, status, body)])
    return Answer(SyncResult(call.sync_id, outcome, counts, errors,
                             position=positions[-1]), status, body, tuple(events))
