"""The library's JSON of an event's state, byte for byte, written by orjson where it can be.

The library's JSONTranscoder (json.JSONEncoder, calling back into Python for each UUID, Decimal and
datetime) took 16% of a 20,000-row first push. orjson writes the same bytes for the values events
hold: str, int, bool, None, dicts with str keys, lists and tuples, and the registered types, which
are handed to the library's own transcodings. orjson would write a UUID, a float, a dataclass or a
subclass its own way, so a state holding any other value is encoded by the library instead, as is
one orjson refuses (an int past 64 bits, a string with a lone surrogate, nesting past 255 levels).
tests/storage/test_transcoder.py compares the two over generated values.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder

_WRITTEN_ALIKE = frozenset({str, int, bool, type(None)})
_HANDED_TO_DEFAULT = frozenset({Decimal, datetime})  # orjson calls `default` for these (datetime: by option)
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


class _EncodedOtherwise(Exception):
    pass


class OrjsonTranscoder(JSONTranscoder):
    def encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(self._prepared(obj), default=self._transcoded, option=_OPTIONS)
        except (_EncodedOtherwise, orjson.JSONEncodeError, RecursionError):
            return super().encode(obj)

    def _prepared(self, value: Any) -> Any:
        """`value` itself when orjson writes it as the library does, else a copy with each UUID
        already transcoded (orjson cannot be made to hand those over)."""
        kind = type(value)
        if kind in _WRITTEN_ALIKE or kind in _HANDED_TO_DEFAULT:
            return value
        if kind is dict:
            copy = None
            for key, item in value.items():
                if type(key) is not str:
                    raise _EncodedOtherwise
                prepared = self._prepared(item)
                if prepared is not item:
                    copy = copy or dict(value)
                    copy[key] = prepared
            return value if copy is None else copy
        if kind is list or kind is tuple:
            items = [self._prepared(item) for item in value]
            return value if all(a is b for a, b in zip(items, value)) else items
        if kind is UUID:
            return self._transcoded(value)
        raise _EncodedOtherwise

    def _transcoded(self, value: Any) -> dict:
        transcoding = self.types.get(type(value))
        if transcoding is None:
            raise _EncodedOtherwise
        return {"_type_": transcoding.name, "_data_": self._prepared(transcoding.encode(value))}
