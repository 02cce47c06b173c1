"""A Kulcs call as received, and the Sync event that records how it ended."""
from __future__ import annotations

import hashlib
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from ledger.domain.sync import Sync
from ledger.storage.request_bodies import storing
from ledger.storage.state_writes import RecordedRequest, write_request


@dataclass(frozen=True)
class ReceivedCall:
    sync_id: UUID
    shop: str
    kind: str
    received_at: datetime
    method: str
    path: str
    query: str
    content_type: str | None
    headers: dict[str, str]
    remote: str | None
    body: bytes
    replay_of: UUID | None = None
    replayed_by: str | None = None
    body_sha256: str = field(init=False)
    _stored_body: Future = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "body_sha256", hashlib.sha256(self.body).hexdigest())
        object.__setattr__(self, "_stored_body", storing(self.body))  # compressed while it is parsed

    def request_write(self):
        body, compression = self._stored_body.result()
        return write_request(RecordedRequest(
            sync_id=self.sync_id, shop=self.shop, kind=self.kind, received_at=self.received_at,
            method=self.method, path=self.path, query=self.query, content_type=self.content_type,
            headers=self.headers, remote=self.remote, body=body, body_compression=compression,
            body_sha256=self.body_sha256,
        ))


@dataclass(frozen=True)
class SyncResult:
    sync_id: UUID
    outcome: str
    counts: dict
    errors: list
    message: str | None = None
    position: int | None = None


def sync_recorded(call: ReceivedCall, *, outcome: str, counts: dict, errors: list,
                  message: str | None, parser_version: str | None) -> Sync.Created:
    return Sync.Created(
        originator_id=call.sync_id, originator_version=1, timestamp=call.received_at,
        originator_topic=Sync.TOPIC, shop=call.shop, kind=call.kind, received_at=call.received_at,
        outcome=outcome, counts=counts, errors=errors, message=message,
        parser_version=parser_version, request_sha256=call.body_sha256, replay_of=call.replay_of,
        replayed_by=call.replayed_by,
    )


def record_rejected_call(app, call: ReceivedCall, message: str, parser_version: str | None,
                         extra_writes=()) -> SyncResult:
    event = sync_recorded(call, outcome="rejected", counts={}, errors=[], message=message,
                          parser_version=parser_version)
    positions = app.save_events(event, state_writes=[call.request_write(), *extra_writes])
    return SyncResult(call.sync_id, "rejected", {}, [], message, positions[-1])


def record_plain_call(app, call: ReceivedCall, *, outcome: str, counts: dict, errors=(),
                      message: str | None = None, events=(), extra_writes=()) -> SyncResult:
    """A call whose whole effect is being recorded (a download), with any events it causes."""
    event = sync_recorded(call, outcome=outcome, counts=counts, errors=list(errors), message=message,
                          parser_version=None)
    positions = app.save_events(*events, event, state_writes=[call.request_write(), *extra_writes])
    return SyncResult(call.sync_id, outcome, counts, list(errors), message, positions[-1])
