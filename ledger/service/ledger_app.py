"""The eventsourcing Application that owns the write side."""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, Recording
from psycopg.rows import tuple_row

T = TypeVar("T")
MAX_ATTEMPTS = 30


class Contended(Exception):
    """Other writers kept winning: the caller is asked to come back (503 with Retry-After)."""


class LedgerApp(Application):
    name = "Ledger"

    def save_events(self, *events, **kwargs) -> list[Recording]:
        """`save()` for events decided elsewhere: the library's save checks every object against
        runtime Protocols, which on Python 3.11 costs more than encoding a large sync's events."""
        processing_event = ProcessingEvent()
        processing_event.events.extend(events)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._notify(recordings)
        return recordings

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
