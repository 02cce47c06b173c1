"""Answering a Kulcs call once: the answer is rendered inside the command, so a call that carries an
Idempotency-Key can have its first answer stored in the same transaction and given again later."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from ledger.service.calls import ReceivedCall, SyncResult, record_rejected_call, sync_recorded
from ledger.service.ledger_app import LedgerApp, retry_on_conflict


@dataclass(frozen=True)
class Answer:
    result: SyncResult
    status: int
    body: bytes
    events: tuple = ()  # what the call caused (or, on a dry run, would cause)


Render = Callable[[SyncResult], tuple[int, bytes]]


def previous_answer(app: LedgerApp, shop: str, key: str | None) -> tuple[UUID, int, bytes] | None:
    if not key:
        return None
    rows = app.fetch("SELECT sync_id, status, body FROM idempotent_answers"
                     " WHERE shop = %s AND idempotency_key = %s", (shop, key))
    return (rows[0]["sync_id"], rows[0]["status"], bytes(rows[0]["body"])) if rows else None


def remember_answer(call: ReceivedCall, key: str | None, status: int, body: bytes):
    def write(curs, _ids) -> None:
        if key:
            curs.execute("INSERT INTO idempotent_answers (shop, idempotency_key, sync_id, status, body)"
                         " VALUES (%s, %s, %s, %s, %s)", (call.shop, key, call.sync_id, status, body))
    return write


def answer_duplicate(app: LedgerApp, call: ReceivedCall, previous: tuple[UUID, int, bytes]) -> Answer:
    """Records that the call came again (no change, its bytes kept) and gives the first answer."""
    first_sync, status, body = previous
    message = f"ismételt kérés, az első válasz: {first_sync}"
    event = sync_recorded(call, outcome="duplicate", counts={}, errors=[], message=message,
                          parser_version=None)
    positions = app.save_events(event, state_writes=[call.request_write()])
    result = SyncResult(call.sync_id, "duplicate", {}, [], message, positions[-1])
    return Answer(result, status, body)


def reject_document(app: LedgerApp, call: ReceivedCall, message: str, *, render: Render,
                    key: str | None, parser_version: str, dry_run: bool = False) -> Answer:
    """A document that is not what the URL takes: recorded as rejected (its bytes kept), answered 400."""
    if dry_run:
        return Answer(SyncResult(call.sync_id, "rejected", {}, [], message), 400, b"")

    def once() -> Answer:
        if previous := previous_answer(app, call.shop, key):
            return answer_duplicate(app, call, previous)
        status, body = render(SyncResult(call.sync_id, "rejected", {}, [], message))
        result = record_rejected_call(app, call, message, parser_version,
                                      [remember_answer(call, key, status, body)])
        return Answer(result, status, body)
    return retry_on_conflict(once)
