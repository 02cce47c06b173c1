"""The library's PostgreSQL recorder, plus state rows written in the events' own transaction.

`Application.save(*events, state_writes=[...])` passes `state_writes` through to the recorder. Each is
called with the cursor and the new notification ids after the events are inserted, i.e. after the
event table's EXCLUSIVE lock is taken, so decision-state writes are serialised with the events and
commit or roll back with them.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor

StateWrite = Callable[[Cursor, Sequence[int]], None]


class LedgerRecorder(PostgresApplicationRecorder):
    def _fetch_ids_after_insert_events(
        self,
        curs: Cursor,
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> Sequence[int] | None:
        notification_ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        for write in kwargs.get("state_writes", ()):
            write(curs, notification_ids or ())
        return notification_ids
