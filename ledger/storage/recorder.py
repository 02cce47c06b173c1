"""The library's PostgreSQL recorder, writing events in groups, plus the rows that must commit with them.

`LedgerApp.save_events(*events, state_writes=[...])` passes `state_writes` through to the recorder. Each is
called with the cursor and the new notification ids after the events are inserted, under the event
table's writers' lock, so decision-state writes are serialised with the events and commit or roll
back with them. Each sync also appends one link to the hash chain (ledger/storage/event_chain.py).

Syncs arriving while a group is being written are written together by one thread in one transaction
(ledger/storage/group_commit.py): one lock, one NOTIFY, one COMMIT, a SAVEPOINT per sync. Notification
ids are reserved for the whole group from the sequence in one statement (the writers' lock keeps every
other writer that takes it, or the library's EXCLUSIVE lock, off it, so they are in commit order) and
handed out sync by sync; a sync that is rolled back gives its ids to the next. Knowing the ids before
the insert, a small sync's events and its chain link go in one statement.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing import persistence
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg import Cursor, sql

from ledger.storage.event_chain import GENESIS, chain_link, digests_for, event_digest
from ledger.storage.group_commit import GroupCommitter, QueuedSync

StateWrite = Callable[[Cursor, Sequence[int]], None]
SMALL_INSERT = 16


class LedgerRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._group = GroupCommitter(self._write_group)
        self._statements: dict[Any, bytes] = {}
        self._sequence: str | None = None

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # Not the library's path: it sends one INSERT of a composite-type array, which psycopg dumps
        # in text format with a regex per field (most of a large sync's time), in pipeline mode, which
        # deadlocked on multi-megabyte syncs over the embedded server's Unix socket. Here: the same
        # lock and NOTIFY, for a group of syncs, with ids reserved from the sequence.
        if not stored_events:
            return None
        return self._group.submit(stored_events, kwargs.get("state_writes", ()))

    # The group's transaction -------------------------------------------------------------------------

    def _write_group(self, group: list[QueuedSync]) -> None:
        """Settles every sync of the group. First optimistically: every sync's statements and the
        COMMIT sent in one pipeline, so the leader waits for PostgreSQL twice per group, not once per
        statement (each wait costs it the GIL again, under 30-odd busy threads). If anything fails
        there, nothing was committed: the group is written again with a SAVEPOINT and a round trip
        per sync, where a failing sync is rolled back alone and its caller gets its own exception."""
        if all(_pipelinable(s) for s in group):
            with self.datastore.get_connection() as conn, _unprepared(conn), conn.cursor() as curs:
                try:
                    self._write_optimistically(conn, curs, group)
                    return
                except Exception:  # noqa: BLE001 - some sync failed: find which, below
                    _roll_back(conn)
                    for sync in group:
                        sync.ids = None
                    if conn.closed or conn.broken:
                        raise  # the connection is gone: every caller's retry takes it from here
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            try:
                self._write_carefully(curs, group)
            except BaseException:
                _roll_back(conn)
                for sync in group:
                    sync.ids = None  # nothing of the group was committed
                raise

    def _begin(self, curs: Cursor, count: int) -> tuple[bytes, int]:
        """One round trip: BEGIN, the locks, NOTIFY (delivered at COMMIT), the last chain link, and ids
        for `count` events (the connection is in autocommit mode, so BEGIN and COMMIT are ours)."""
        curs.execute(self._group_start(count, self._sequence or self._find_sequence(curs)))
        while curs.nextset():  # the last statement's row
            pass
        row = curs.fetchone()
        return (bytes(row["link"]) if row["link"] is not None else GENESIS), row["last"] - count + 1

    def _write_optimistically(self, conn: psycopg.Connection, curs: Cursor, group: list[QueuedSync]) -> None:
        prev_link, next_id = self._begin(curs, sum(len(s.stored_events) for s in group))
        outcomes = []
        with conn.pipeline():
            for sync in group:
                ids = list(range(next_id, next_id + len(sync.stored_events)))
                prev_link, next_id = self._write_sync(curs, sync, ids, prev_link), next_id + len(ids)
                outcomes.append(ids)
            curs.execute(b"COMMIT")
        for sync, ids in zip(group, outcomes, strict=True):
            sync.ids = ids

    def _write_carefully(self, curs: Cursor, group: list[QueuedSync]) -> None:
        prev_link, next_id = self._begin(curs, sum(len(s.stored_events) for s in group))
        for index, sync in enumerate(group):
            curs.execute(b"RELEASE SAVEPOINT sync; SAVEPOINT sync" if index else b"SAVEPOINT sync")
            ids = list(range(next_id, next_id + len(sync.stored_events)))
            try:
                link = self._write_sync(curs, sync, ids, prev_link)
            except Exception as error:  # noqa: BLE001 - the sync's own failure, given to its caller
                curs.execute(b"ROLLBACK TO SAVEPOINT sync")  # if this fails, the group fails
                sync.error = _translated(error)
            else:
                # A rolled-back sync's ids go to the next one, so ids stay contiguous in the group.
                sync.ids, prev_link, next_id = ids, link, next_id + len(ids)
        curs.execute(b"COMMIT")

    def _write_sync(self, curs: Cursor, sync: QueuedSync, ids: list[int], prev_link: bytes) -> bytes:
        events = sync.stored_events
        if len(events) <= SMALL_INSERT:
            digests = digests_for(ids, events)
            link = chain_link(prev_link, digests)
            params: list[Any] = []
            for i, e in zip(ids, events):
                params += (e.originator_id, e.originator_version, e.topic, e.state, i)
            params += (ids[-1], ids[0], prev_link, link, digests)
            curs.execute(self._small_insert(len(events)), params)
        else:
            digests = self._copy_events(curs, events, ids[0])
            link = chain_link(prev_link, digests)
            curs.execute(self._statement("chain", lambda: sql.SQL(
                "INSERT INTO {} (last_id, first_id, prev_link, link, digests) VALUES (%s, %s, %b, %b, %b)"
            ).format(self._chain_table())), (ids[-1], ids[0], prev_link, link, digests))
        for write in sync.state_writes:
            write(curs, ids)
        return link

    def _copy_events(self, curs: Cursor, stored_events: Sequence[StoredEvent], first: int) -> list[bytes]:
        """A large sync's events by binary COPY (one INSERT of them all would be dumped as text), in
        one pass that also answers their digests: each event may be encoded only as it is reached."""
        copy_statement = self._statement("copy", lambda: sql.SQL(
            "COPY {} (originator_id, originator_version, topic, state, notification_id)"
            " FROM STDIN (FORMAT BINARY)").format(self._events_table()))
        digests = []
        with curs.copy(copy_statement) as copy:
            copy.set_types(["uuid", "int8", "text", "bytea", "int8"])
            for position, e in enumerate(stored_events, first):
                copy.write_row((e.originator_id, e.originator_version, e.topic, e.state, position))
                digests.append(event_digest(position, e.originator_id, e.originator_version, e.topic, e.state))
        return digests

    # Statements, rendered once -----------------------------------------------------------------------

    def _events_table(self) -> sql.Composable:
        return sql.Identifier(self.datastore.schema, self.events_table_name)

    def _chain_table(self) -> sql.Composable:
        return sql.Identifier(self.datastore.schema, f"{self.events_table_name}_chain")

    def _statement(self, key: Any, build: Callable[[], sql.Composable]) -> bytes:
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = build().as_bytes(None)
        return statement

    def _small_insert(self, count: int) -> bytes:
        """A small sync's events and its chain link in one statement. Bytes go as binary (%b): psycopg
        writes a bytea (and a bytea[] of digests, one per event) as text by escaping each byte in Python."""
        return self._statement(("small", count), lambda: sql.SQL(
            "WITH inserted AS (INSERT INTO {} (originator_id, originator_version, topic, state,"
            " notification_id) VALUES {}) INSERT INTO {} (last_id, first_id, prev_link, link, digests)"
            " VALUES (%s, %s, %b, %b, %b)").format(
                self._events_table(), sql.SQL(", ").join([sql.SQL("(%s, %s, %s, %b, %s)")] * count),
                self._chain_table()))

    def _group_start(self, count: int, sequence: str) -> bytes:
        """Writers take turns on a transaction advisory lock, not on the library's EXCLUSIVE table lock:
        that one also waits for every VACUUM and ANALYZE of the table (SHARE UPDATE EXCLUSIVE), so each
        autovacuum of a growing event table stalled all writes until PostgreSQL cancelled it after
        deadlock_timeout (1 s; never, for an anti-wraparound vacuum). ROW EXCLUSIVE, taken before the ids
        are, keeps the library's own writers (EXCLUSIVE) out until the group commits: ids stay in commit
        order. A plain INSERT or COPY that takes neither lock is not kept in order (bench/synthetic.py
        takes EXCLUSIVE; the library's es_insert_events_uuid never took a lock, so it stays unused)."""
        start = self._statement("start", lambda: sql.SQL(
            "BEGIN; SET LOCAL lock_timeout = {}; SELECT pg_advisory_xact_lock({}::bigint); "
            "LOCK TABLE {} IN ROW EXCLUSIVE MODE; NOTIFY {}; "
            "SELECT (SELECT link FROM {} ORDER BY last_id DESC LIMIT 1) AS link, "
            "setval({}::regclass, nextval({}::regclass) + ").format(
                sql.Literal(f"{self.datastore.lock_timeout}s"), sql.Literal(self._writers_lock_key()),
                self._events_table(), sql.Identifier(self.channel_name), self._chain_table(),
                sql.Literal(sequence), sql.Literal(sequence)))
        return start + b"%d - 1) AS last" % count

    def _writers_lock_key(self) -> int:
        """The advisory lock key of this event table's writers (one per schema and table)."""
        digest = hashlib.blake2b(f"kulcs-ledger writers {self.datastore.schema}.{self.events_table_name}".encode(),
                                 digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)

    def _find_sequence(self, curs: Cursor) -> str:
        curs.execute("SELECT pg_get_serial_sequence(%s, 'notification_id') AS seq",
                     (f"{self.datastore.schema}.{self.events_table_name}",))
        self._sequence = curs.fetchone()["seq"]
        return self._sequence


@contextmanager
def _unprepared(conn: psycopg.Connection) -> Iterator[None]:
    """No server-side prepared statements while a group is pipelined: psycopg counts a statement as
    prepared once its PREPARE is queued, but in a pipeline that a failure aborts, PostgreSQL skips it,
    and the statement's next use fails with 'prepared statement does not exist'."""
    threshold, conn.prepare_threshold = conn.prepare_threshold, None
    try:
        yield
    finally:
        conn.prepare_threshold = threshold


def _roll_back(conn: psycopg.Connection) -> None:
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE and not conn.closed:
        try:
            conn.execute("ROLLBACK")
        except psycopg.Error:
            pass  # a broken connection: the pool discards it


_TRANSLATIONS = (
    # A value past one of PostgreSQL's limits (an index entry over ~2.7 KB) is psycopg's OperationalError,
    # which the library retries and the server answers 503 "retry later": the input, not an outage.
    (psycopg.errors.ProgramLimitExceeded, persistence.DataError),
    (psycopg.InterfaceError, persistence.InterfaceError),
    (psycopg.OperationalError, persistence.OperationalError),
    (psycopg.DataError, persistence.DataError),
    (psycopg.IntegrityError, persistence.IntegrityError),
    (psycopg.InternalError, persistence.InternalError),
    (psycopg.ProgrammingError, persistence.ProgrammingError),
    (psycopg.NotSupportedError, persistence.NotSupportedError),
    (psycopg.DatabaseError, persistence.DatabaseError),
    (psycopg.Error, persistence.PersistenceError),
)


def _translated(error: Exception) -> Exception:
    """The library's exception for a psycopg error, as its get_connection() raises them."""
    for psycopg_class, ours in _TRANSLATIONS:
        if isinstance(error, psycopg_class):
            translated = ours(str(error))
            translated.__cause__ = error
            return translated
    return error


PIPELINED_BYTES = 1 << 20


def _pipelinable(sync: QueuedSync) -> bool:
    """Small syncs only. A pipelined INSERT of a multi-megabyte request body once stalled here for
    good (the server waiting for the rest of the message, psycopg waiting for results, over the
    embedded server's Unix socket); large syncs gain nothing from the pipeline anyway."""
    return (len(sync.stored_events) <= SMALL_INSERT
            and sum(getattr(write, "payload_bytes", 0) for write in sync.state_writes) <= PIPELINED_BYTES)
