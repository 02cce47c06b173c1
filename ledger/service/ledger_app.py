"""The eventsourcing Application that owns the write side."""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError
from psycopg.rows import tuple_row

from ledger.storage.transcoder import OrjsonTranscoder

T = TypeVar("T")
MAX_ATTEMPTS = 30


class Contended(Exception):
    """Other writers kept winning: the caller is asked to come back (503 with Retry-After)."""


ENCODED_AT_ONCE = 1000


class EncodedOnTheWay(Sequence):
    """A large sync's stored events, each encoded as the recorder reaches it and not kept: a
    catalogue's 100,000 encoded events held at once weighed ~75 MB at the peak of a push."""

    def __init__(self, events: Sequence, encode: Callable) -> None:
        self._events, self._encode = events, encode

    def __len__(self) -> int:
        return len(self._events)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._encode(event) for event in self._events[index]]
        return self._encode(self._events[index])

    def __iter__(self):
        return map(self._encode, self._events)


class LedgerApp(Application):
    name = "Ledger"

    def construct_transcoder(self) -> OrjsonTranscoder:
        transcoder = OrjsonTranscoder()  # the library's bytes, sooner (ledger/storage/transcoder.py)
        self.register_transcodings(transcoder)
        return transcoder

    def save_events(self, *events, **kwargs) -> list[int]:
        """Stores events decided elsewhere, in one transaction; answers their notification ids.

        Not `save()`: that checks every object against runtime Protocols (on Python 3.11 more than
        encoding a large sync's events costs) and builds a Recording per event that nothing here reads.
        """
        stored_events = (EncodedOnTheWay(events, self.mapper.to_stored_event) if len(events) > ENCODED_AT_ONCE
                         else [self.mapper.to_stored_event(event) for event in events])
        return list(self.recorder.insert_events(stored_events, **kwargs) or [])

    def fetch_tuples(self, sql: str, params=()) -> list[tuple]:
        with self.recorder.datastore.get_connection() as conn:
            with conn.cursor(row_factory=tuple_row) as curs:
                curs.execute(sql, params)
                return list(curs.fetchall())

    def fetch(self, sql: str, params=()) -> list[dict]:
        with self.recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql, params)
            return list(curs.fetchall())


def retry_on_conflict(command: Callable[[], T]) -> T:
    """Run a decide-and-save command again when a concurrent writer got there first.

    The events carry the versions they were decided against, so a stale decision fails on the event
    table's primary key and the whole save rolls back; deciding again from fresh state is safe.
    """
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return command()
        except IntegrityError as error:
            if attempt == MAX_ATTEMPTS:
                raise Contended(str(error)) from error
            # Jittered, growing pauses, so writers that collided do not collide again in step.
            time.sleep(random.uniform(0, min(0.5, 0.004 * 2 ** attempt)))
    raise AssertionError("unreachable")
