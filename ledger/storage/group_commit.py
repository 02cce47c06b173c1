"""Group commit: syncs that reach the recorder while another group is being written queue up, and one
thread (the leader) writes the whole queue in ONE transaction: one turn of the event table's writers' lock,
one NOTIFY, one COMMIT. Each sync is settled on its own: a sync that fails (a version conflict on
the event table's key, a state row PostgreSQL refuses, a bug in a state write) is rolled back alone
and its caller gets its own exception, while the others commit (the recorder writes the group again
with a SAVEPOINT per sync when anything in it failed).

Why: the lock serialises every write transaction, and a one-product sync held it about 6 ms, mostly
Python and round trips between statements plus the commit; writing many syncs under one lock and one
commit shares those costs.

The leader is whichever caller finds no group being written; it writes what is queued at that moment
(its own sync included), then hands leadership to the first caller still queued, so no caller waits
for more than the group in progress and its own.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

# A sync in a group takes a subtransaction id; PostgreSQL keeps 64 of them per backend in shared
# memory before other sessions' snapshots must look them up on disk ("suboverflow").
MAX_GROUP_SYNCS = 48


def _held_lock() -> threading.Lock:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass(eq=False)
class QueuedSync:
    stored_events: Sequence[Any]
    state_writes: Sequence[Callable]
    # Held until the sync is settled or promoted: a bare lock, since Event.set() (a Condition in
    # Python) cost the leader ~3% of the server's GIL time when waking its group.
    _signal: Any = field(default_factory=_held_lock, repr=False)
    ids: list[int] | None = None
    error: BaseException | None = None
    lead: bool = False  # woken to write the next group, not with an outcome

    def wait(self) -> None:
        self._signal.acquire()

    def wake(self) -> None:
        """Once per wait: by the leader of the sync's group, or to promote it to leader."""
        self._signal.release()

    @property
    def settled(self) -> bool:
        return self.ids is not None or self.error is not None

    def outcome(self) -> list[int]:
        if self.error is not None:
            raise self.error
        assert self.ids is not None
        return self.ids


class GroupCommitter:
    """`submit` blocks until the sync is committed (answers its notification ids) or has failed (raises
    its own exception). `write_group(group)` settles every sync of the group it is given."""

    def __init__(self, write_group: Callable[[list[QueuedSync]], None]) -> None:
        self._write_group = write_group
        self._mutex = threading.Lock()
        self._queue: list[QueuedSync] = []
        self._leading = False

    def submit(self, stored_events: Sequence[Any], state_writes: Sequence[Callable]) -> list[int]:
        sync = QueuedSync(stored_events, state_writes)
        with self._mutex:
            self._queue.append(sync)
            lead = not self._leading
            self._leading = True
        if not lead:
            sync.wait()
            if not sync.lead:
                return sync.outcome()
        self._lead()
        return sync.outcome()

    def _lead(self) -> None:
        with self._mutex:
            group, self._queue = self._queue[:MAX_GROUP_SYNCS], self._queue[MAX_GROUP_SYNCS:]
        try:
            self._write_group(group)
        except BaseException as error:  # noqa: BLE001 - every caller must be released, with a reason
            for sync in group:
                if not sync.settled:
                    sync.error = error
        finally:
            for sync in group:
                if not sync.settled:  # a bug in write_group: never leave a caller waiting
                    sync.error = RuntimeError("group commit left a sync unsettled")
            with self._mutex:
                successor = self._queue[0] if self._queue else None
                if successor is None:
                    self._leading = False
                else:
                    successor.lead = True
            for sync in group:
                sync.wake()
            if successor is not None:
                successor.wake()
