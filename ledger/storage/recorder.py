"""The library's PostgreSQL recorder, writing events with COPY, plus the rows that must commit with them.

`LedgerApp.save_events(*events, state_writes=[...])` passes `state_writes` through to the recorder. Each is
called with the cursor and the new notification ids after the events are inserted, under the event
table's EXCLUSIVE lock, so decision-state writes are serialised with the events and commit or roll
back with them. Each insert also appends one link to the hash chain (ledger/storage/event_chain.py).
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
SMALL_INSERT = 16


class LedgerRecorder(PostgresApplicationRecorder):
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # Not the library's path: it sends one INSERT of a composite-type array, which psycopg dumps
        # in text format with a regex per field (most of a large sync's time), in pipeline mode, which
        # deadlocked on multi-megabyte syncs over the embedded server's Unix socket. Here: the same
        # lock and NOTIFY, then ids reserved from the sequence and a binary COPY.
        if not stored_events:
            return None
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._lock_table(curs)
            self._notify_channel(curs)
            ids = self._copy_events(curs, stored_events)
            self._append_chain_link(curs, ids, stored_events)
            for write in kwargs.get("state_writes", ()):
                write(curs, ids)
            return ids

    def _copy_events(self, curs: Cursor, stored_events: Sequence[StoredEvent]) -> list[int]:
        if len(stored_events) <= SMALL_INSERT:
            return self._insert_few(curs, stored_events)
        # The EXCLUSIVE lock keeps every other inserter off the sequence, so the ids reserved here are
        # contiguous and in commit order, as the library's own insert guarantees.
        table = sql.Identifier(self.datastore.schema, self.events_table_name)
        curs.execute("SELECT nextval(pg_get_serial_sequence(%s, 'notification_id')) AS first",
                     (f"{self.datastore.schema}.{self.events_table_name}",))
        first = curs.fetchone()["first"]
        if len(stored_events) > 1:
            curs.execute("SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)",
                         (f"{self.datastore.schema}.{self.events_table_name}", first + len(stored_events) - 1))
        copy_statement = sql.SQL("COPY {} (originator_id, originator_version, topic, state, notification_id)"
                                 " FROM STDIN (FORMAT BINARY)").format(table)
        with curs.copy(copy_statement) as copy:
            copy.set_types(["uuid", "int8", "text", "bytea", "int8"])
            for offset, event in enumerate(stored_events):
                copy.write_row((event.originator_id, event.originator_version, event.topic,
                                event.state, first + offset))
        return list(range(first, first + len(stored_events)))

    def _insert_few(self, curs: Cursor, stored_events: Sequence[StoredEvent]) -> list[int]:
        """A small sync (one product, one order) in one statement: COPY costs extra round trips."""
        table = sql.Identifier(self.datastore.schema, self.events_table_name)
        values = sql.SQL(", ").join([sql.SQL("(%s, %s, %s, %s)")] * len(stored_events))
        curs.execute(sql.SQL("INSERT INTO {} (originator_id, originator_version, topic, state) VALUES {}"
                             " RETURNING notification_id").format(table, values),
                     [v for e in stored_events
                      for v in (e.originator_id, e.originator_version, e.topic, e.state)])
        return sorted(row["notification_id"] for row in curs.fetchall())  # VALUES order, under the lock

    def _append_chain_link(self, curs: Cursor, ids: Sequence[int], stored_events) -> None:
        table = sql.Identifier(self.datastore.schema, f"{self.events_table_name}_chain")
        curs.execute(sql.SQL("SELECT link FROM {} ORDER BY last_id DESC LIMIT 1").format(table))
        row = curs.fetchone()
        prev_link = bytes(row["link"]) if row else GENESIS
        digests = digests_for(ids, stored_events)
        curs.execute(sql.SQL("INSERT INTO {} (last_id, first_id, prev_link, link, digests)"
                             " VALUES (%s, %s, %s, %s, %s)").format(table),
                     (ids[-1], ids[0], prev_link, chain_link(prev_link, digests), digests))
