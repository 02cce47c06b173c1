"""The events' JSON is the library's, byte for byte, whichever encoder wrote it: the stored bytes are
hashed into the chain and read back by the library's decoder and by the projections."""
from __future__ import annotations

import enum
import sys
from decimal import Decimal
from uuid import uuid4

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Mapper, UUIDAsHex
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.service.ledger_app import LedgerApp
from ledger.storage.transcoder import OrjsonTranscoder
from tests.domain.rows import push, row


def _registered(transcoder):
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return transcoder


LIBRARY, OURS = _registered(JSONTranscoder()), _registered(OrjsonTranscoder())


class Colour(str, enum.Enum):
    RED = "piros"


class Level(enum.IntEnum):
    HIGH = 10


def encoded(transcoder, value):
    """The bytes, or the kind of error raised (both encoders must refuse the same values alike)."""
    try:
        return transcoder.encode(value)
    except Exception as error:  # noqa: BLE001 - the kind is what is compared
        return type(error)


ANY_CHARACTER = st.characters(min_codepoint=0, max_codepoint=sys.maxunicode, exclude_categories=())
LEAVES = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-2**63, max_value=2**64 - 1)
          | st.floats() | st.text(ANY_CHARACTER) | st.text(st.characters(max_codepoint=0x7F))
          | st.decimals() | st.uuids() | st.datetimes(timezones=st.none() | st.timezones())
          | st.just(Colour.RED) | st.just(Level.HIGH) | st.just(b"bytes") | st.just({1, 2}))
KEYS = st.text(ANY_CHARACTER) | st.text(max_size=3) | st.integers(0, 3) | st.booleans() | st.none()
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(KEYS, inner, max_size=4), max_leaves=30)


@settings(max_examples=1000, deadline=None)
@given(st.dictionaries(st.text(ANY_CHARACTER), VALUES, max_size=6))
def test_any_event_state_is_encoded_as_the_library_encodes_it(state):
    assert encoded(OURS, state) == encoded(LIBRARY, state)


WRITTEN_BY_ORJSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**63, max_value=2**63 - 1)
    | st.text(st.characters(exclude_categories=("Cs",))) | st.decimals() | st.uuids()
    | st.datetimes(timezones=st.none() | st.timezones()),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(st.characters(exclude_categories=("Cs",))), inner, max_size=4), max_leaves=30)


@settings(max_examples=1000, deadline=None)
@given(st.dictionaries(st.text(), WRITTEN_BY_ORJSON, max_size=6))
def test_a_state_of_the_kinds_events_hold_is_written_by_orjson_as_the_library_writes_it(state):
    OURS._prepared(state)  # raises if the state would go the library's way
    assert OURS.encode(state) == LIBRARY.encode(state)


@settings(max_examples=500, deadline=None)
@given(VALUES)
def test_any_value_is_encoded_as_the_library_encodes_it(value):
    assert encoded(OURS, value) == encoded(LIBRARY, value)


def test_every_character_is_escaped_as_the_library_escapes_it():
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    state = {"text": every, every[:40]: [every[::-1]]}
    assert OURS.encode(state) == LIBRARY.encode(state)


def test_nesting_past_what_orjson_writes_is_encoded_by_the_library():
    deep: dict = {"leaf": uuid4()}
    for _ in range(300):
        deep = {"inner": deep, "at": Decimal("1.5")}
    assert OURS.encode(deep) == LIBRARY.encode(deep)


def test_a_decided_push_is_stored_as_the_library_would_store_it():
    decision, _ = push([row("KS-1", ar="1990.50", arakcios="1490", szabadraktar="3", nev="Fúró ő ű",
                            tmegjegyzes="Sor\tvége\n\"idézet\" \\ \x01"),
                        row("KS-2", 2, ar="5", kat="Szerszámok")])
    mapper = LedgerApp(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper
    assert isinstance(mapper.transcoder, OrjsonTranscoder)
    libraries = Mapper(transcoder=LIBRARY)
    for event in decision.events:
        stored = mapper.to_stored_event(event)
        assert stored.state == libraries.to_stored_event(event).state
        assert mapper.to_domain_event(stored) == event
