"""The library's PostgreSQL recorder, plus state rows written in the events' own transaction.

`Application.save(*events, state_writes=[...])` passes `state_writes` through to the recorder. Each is
called with the cursor and the new notification ids after the events are inserted, i.e. after the
event table's EXCLUSIVE lock is taken, so decision-state writes are serialised with the events and
commit or roll back with them.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg import Cursor, sql

from ledger.storage.event_chain import GENESIS, chain_link, digests_for

StateWrite = Callable[[Cursor, Sequence[int]], None]


class LedgerRecorder(PostgresApplicationRecorder):
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # The library sends the insert in pipeline mode; with a large sync (megabytes of events) over
        # a Unix socket, as to the embedded server, psycopg 3.3 then waits for results the server can
        # never send, because it is still waiting for the rest of the statement. Plain mode costs one
        # round trip more per sync and cannot deadlock.
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _fetch_ids_after_insert_events(
        self,
        curs: Cursor,
        stored_events: Sequence[StoredEvent],
        **kwargs: Any,
    ) -> Sequence[int] | None:
        notification_ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if notification_ids:
            self._append_chain_link(curs, notification_ids, stored_events)
        for write in kwargs.get("state_writes", ()):
            write(curs, notification_ids or ())
        return notification_ids

    def _append_chain_link(self, curs: Cursor, ids: Sequence[int], stored_events) -> None:
        table = sql.Identifier(f"{self.events_table_name}_chain")
        curs.execute(sql.SQL("SELECT link FROM {} ORDER BY last_id DESC LIMIT 1").format(table))
        row = curs.fetchone()
        prev_link = bytes(row["link"]) if row else GENESIS
        digests = digests_for(ids, stored_events)
        curs.execute(sql.SQL("INSERT INTO {} (last_id, first_id, prev_link, link, digests)"
                             " VALUES (%s, %s, %s, %s, %s)").format(table),
                     (ids[-1], ids[0], prev_link, chain_link(prev_link, digests), digests))
