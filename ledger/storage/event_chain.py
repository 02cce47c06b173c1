"""The hash chain over stored events: computing links, and checking a stretch of them."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from uuid import UUID

GENESIS = bytes(32)


def event_digest(notification_id: int, originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    h = hashlib.sha256()
    h.update(notification_id.to_bytes(8, "big"))
    h.update(originator_id.bytes)
    h.update(version.to_bytes(8, "big"))
    h.update(topic.encode())
    h.update(b"\x00")
    h.update(state)
    return h.digest()


def chain_link(prev_link: bytes, digests: Sequence[bytes]) -> bytes:
    h = hashlib.sha256(prev_link)
    for digest in digests:
        h.update(digest)
    return h.digest()


def digests_for(ids: Sequence[int], stored_events: Iterable) -> list[bytes]:
    return [event_digest(i, e.originator_id, e.originator_version, e.topic, e.state)
            for i, e in zip(ids, stored_events, strict=True)]
