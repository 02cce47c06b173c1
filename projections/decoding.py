"""Turning stored rows back into domain events (upcasting included) without an Application."""
from __future__ import annotations

from dataclasses import dataclass

from eventsourcing.persistence import (
    DatetimeAsISO, DecimalAsStr, JSONTranscoder, Mapper, StoredEvent, UUIDAsHex,
)

import ledger.domain.category  # noqa: F401  (registers the explicit topics)
import ledger.domain.order  # noqa: F401
import ledger.domain.product  # noqa: F401
import ledger.domain.shop  # noqa: F401
import ledger.domain.sync  # noqa: F401


@dataclass(frozen=True)
class Positioned:
    position: int
    event: object


def _mapper() -> Mapper:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


MAPPER = _mapper()


def decode_rows(rows) -> list[Positioned]:
    return [
        Positioned(r["notification_id"], MAPPER.to_domain_event(StoredEvent(
            originator_id=r["originator_id"], originator_version=r["originator_version"],
            topic=r["topic"], state=bytes(r["state"]))))
        for r in rows
    ]
