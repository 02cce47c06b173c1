"""Turning stored rows back into domain events (upcasting included) without an Application."""
from __future__ import annotations

import re
from dataclasses import dataclass

import orjson
from eventsourcing.persistence import (
    DatetimeAsISO, DecimalAsStr, JSONTranscoder, Mapper, StoredEvent, UUIDAsHex, find_id_convertor,
)
from eventsourcing.utils import resolve_topic

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
_TRANSCODINGS = MAPPER.transcoder.names
_TYPED = b'"_type_"'
_LONG_NUMBER = re.compile(rb"[0-9]{19}")  # orjson reads integers beyond 64 bits as floats
_classes: dict[str, type] = {}
# The events of one sync share its id and time: each value decoded once, the (immutable) object shared.
_decoded: dict[str, dict] = {name: {} for name in _TRANSCODINGS}
_DECODED_KEPT = 10_000


class Page(list):
    """A page of Positioned events that knows which event classes it holds (see `events_of`)."""

    groups: dict | None = None


def decode_rows(rows) -> Page:
    return Page(Positioned(r["notification_id"], decode_row(r)) for r in rows)


def events_of(batch, classes) -> list[Positioned]:
    """The batch's events that are instances of `classes`, in order: what each projection picks out
    of every page; one pass over the page in all (grouping by class), not one per projection."""
    groups = getattr(batch, "groups", False)
    if groups is False:  # a plain list
        return [p for p in batch if isinstance(p.event, classes)]
    if groups is None:
        groups = {}
        for p in batch:
            group = groups.get(type(p.event))
            if group is None:
                group = groups[type(p.event)] = []
            group.append(p)
        batch.groups = groups
    matched = {cls for cls in groups if issubclass(cls, classes)}
    if not matched:
        return []
    if len(matched) == 1:
        return groups[matched.pop()]
    return [p for p in batch if type(p.event) in matched]


def decode_row(r):
    """The event `MAPPER.to_domain_event` makes of the row, made the same way but faster when it can
    be: the library's JSON decoder calls its object hook on every object of every event to find the
    transcoded values ({"_type_", "_data_"}); ours (timestamp, sync ids) are top-level attributes, so
    the JSON is parsed plainly (by orjson, ~4x faster than the standard library) and only those are
    transcoded, when they are all the "_type_" keys there are. Anything else (a nested transcoded
    value, an event class with upcasters, a compressor or cipher, JSON that orjson refuses or might
    read differently, such as a 19-digit run that could be an integer beyond 64 bits) goes the
    library's way."""
    topic, state_bytes = r["topic"], bytes(r["state"])
    cls = _classes.get(topic)
    if cls is None:
        cls = _classes[topic] = resolve_topic(topic)
    if getattr(cls, "class_version", 1) != 1 or MAPPER.cipher or MAPPER.compressor:
        return _library_decode(r, state_bytes)
    if _LONG_NUMBER.search(state_bytes) is not None:
        return _library_decode(r, state_bytes)
    try:
        state = orjson.loads(state_bytes)
    except Exception:
        return _library_decode(r, state_bytes)  # raises the library's error
    typed = state_bytes.count(_TYPED)
    if typed:
        for key, value in state.items():
            if type(value) is dict and len(value) == 2 and "_type_" in value and "_data_" in value:
                known = _decoded.get(value["_type_"])
                if known is None:
                    break
                data = value["_data_"]
                decoded = known.get(data)
                if decoded is None:
                    if len(known) >= _DECODED_KEPT:
                        known.clear()
                    decoded = known[data] = _TRANSCODINGS[value["_type_"]].decode(data)
                state[key] = decoded
                typed -= 1
        if typed:
            return _library_decode(r, state_bytes)
    if "class_version" in state:
        return _library_decode(r, state_bytes)
    originator_id = r["originator_id"]
    state["originator_id"] = find_id_convertor(cls, type(originator_id))(originator_id)
    state["originator_version"] = r["originator_version"]
    event = object.__new__(cls)
    object.__setattr__(event, "__dict__", state)
    return event


def _library_decode(r, state_bytes: bytes):
    return MAPPER.to_domain_event(StoredEvent(
        originator_id=r["originator_id"], originator_version=r["originator_version"],
        topic=r["topic"], state=state_bytes))
