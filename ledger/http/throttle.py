"""Failed sign-ins counted per key (an address, or an address and a shop) in a sliding window:
slowed a little as they accumulate, refused with 429 once there are a few."""
from __future__ import annotations

import time
from collections.abc import Hashable

FAILURES_BEFORE_REFUSAL = 5
FAILURE_WINDOW_SECONDS = 60.0
_KEYS_BEFORE_PRUNING = 10_000


class FailureCounter:
    def __init__(self, limit: int = FAILURES_BEFORE_REFUSAL, window: float = FAILURE_WINDOW_SECONDS) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[Hashable, list[float]] = {}  # key -> failure times

    def retry_after(self, key: Hashable) -> int | None:
        """Seconds until `key` may try again, or None while it may."""
        recent = self._recent(key)
        if len(recent) >= self.limit:
            return max(1, int(self.window - (time.monotonic() - recent[0])) + 1)
        return None

    def failure_delay(self, key: Hashable) -> float:
        return min(2.0, 0.1 * len(self._recent(key)))

    def record_failure(self, key: Hashable) -> None:
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
