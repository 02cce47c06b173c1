"""Failed sign-ins counted per key (an address, or an address and a shop) in a sliding window:
slowed a little as they accumulate, refused with 429 once there are a few.

An attempt counts from the moment it is let through, not once it has failed: verifying awaits (a
database lookup, a slowed answer), and a burst of guesses sent at once would otherwise all be verified
before the first failure was counted. While `limit` attempts of a key are failed or still being
verified, the next one waits for one of them to end; waiters are let through in turn, one woken for
each attempt that ends."""
from __future__ import annotations

import asyncio
import ipaddress
import time
from collections import deque
from collections.abc import Hashable

FAILURES_BEFORE_REFUSAL = 5
FAILURE_WINDOW_SECONDS = 60.0
_KEYS_BEFORE_PRUNING = 10_000


def throttling_key(address: str) -> str:
    """The key an address's failures are counted under. An IPv6 client is usually given a whole /64
    and may take any address in it, so IPv6 is counted per /64; IPv4 per address (also written as
    ::ffff:a.b.c.d); what is not an address ("?") as it is."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.IPv6Network((int(parsed) >> 64 << 64, 64)))


class FailureCounter:
    def __init__(self, limit: int = FAILURES_BEFORE_REFUSAL, window: float = FAILURE_WINDOW_SECONDS) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[Hashable, list[float]] = {}  # key -> failure times
        self._verifying: dict[Hashable, int] = {}  # key -> attempts let through and not yet ended
        self._waiters: dict[Hashable, deque[asyncio.Future]] = {}  # key -> attempts waiting, in turn

    def attempt(self, key: Hashable) -> Attempt:
        """`async with counter.attempt(key) as attempt:` refused if `attempt.retry_after`; otherwise
        verify, and call `attempt.failed()` if the credential is wrong."""
        return Attempt(self, key)

    async def _let_through(self, key: Hashable) -> int | None:
        """Takes a slot for `key` and answers None, or answers the seconds until it may try again."""
        turned_away = False
        while True:
            recent = self._recent(key)
            if len(recent) >= self.limit:
                self._wake_next(key)  # refused as well: each refused waiter wakes the one after it
                return max(1, int(self.window - (time.monotonic() - recent[0])) + 1)
            if (taken := len(recent) + self._verifying.get(key, 0)) < self.limit:
                self._verifying[key] = self._verifying.get(key, 0) + 1
                if taken + 1 < self.limit:  # more slots free (failures left the window): the next goes too
                    self._wake_next(key)
                return None
            # a right credential among those being verified frees its slot: wait rather than refuse.
            # One waiter is woken per slot freed: waking them all made each freed slot cost as much as
            # there were waiters.
            turn = asyncio.get_running_loop().create_future()
            waiters = self._waiters.setdefault(key, deque())
            waiters.appendleft(turn) if turned_away else waiters.append(turn)  # keeps its place
            try:
                await turn
            except asyncio.CancelledError:
                if not self._stop_waiting(key, turn):  # its turn had come: it goes to the next one
                    self._wake_next(key)
                raise
            turned_away = True

    def _wake_next(self, key: Hashable) -> None:
        waiters = self._waiters.get(key)
        while waiters:
            turn = waiters.popleft()
            if not turn.done():
                turn.set_result(None)
                break
        if not waiters:
            self._waiters.pop(key, None)

    def _stop_waiting(self, key: Hashable, turn: asyncio.Future) -> bool:
        """False if `turn` had been woken already."""
        waiters = self._waiters.get(key)
        if waiters is None or turn not in waiters:
            return False
        waiters.remove(turn)
        if not waiters:
            del self._waiters[key]
        return True

    def _end(self, key: Hashable) -> None:
        if (left := self._verifying[key] - 1) > 0:
            self._verifying[key] = left
        else:
            del self._verifying[key]
        self._wake_next(key)

    def _failure_delay(self, key: Hashable) -> float:
        return min(2.0, 0.1 * len(self._recent(key)))

    def _record_failure(self, key: Hashable) -> None:
        self._failures.setdefault(key, []).append(time.monotonic())
        if len(self._failures) > _KEYS_BEFORE_PRUNING:  # many addresses failing once: forget the old ones
            for other in list(self._failures):
                self._recent(other)

    def _recent(self, key: Hashable) -> list[float]:
        cutoff = time.monotonic() - self.window
        recent = [t for t in self._failures.get(key, []) if t > cutoff]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return recent


class Attempt:
    """One sign-in attempt of a key. Let through (`retry_after` None), it holds a slot until it fails,
    which makes the slot the key's failure, or ends, which frees it: a success, or verifying raised
    (which guessed nothing)."""

    def __init__(self, counter: FailureCounter, key: Hashable) -> None:
        self._counter, self._key = counter, key
        self.retry_after: int | None = None
        self._holding = False

    async def __aenter__(self) -> Attempt:
        self.retry_after = await self._counter._let_through(self._key)
        self._holding = self.retry_after is None
        return self

    def failed(self) -> float:
        """Counts this attempt as a failure (once); answers the seconds to slow its answer by."""
        if self._holding:
            self._holding = False
            self._counter._record_failure(self._key)
            self._counter._end(self._key)
        return self._counter._failure_delay(self._key)

    async def __aexit__(self, *exc_info) -> None:
        if self._holding:
            self._holding = False
            self._counter._end(self._key)
