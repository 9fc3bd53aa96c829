"""A budget per client: `per_window` units of some work each `window`, refilled evenly.

For work that is cheap to refuse but costly to grant to one client without end (storing
a persisted query, validating a new document): each key (a client address) holds a
bucket of `per_window` units that refills at `per_window / window`; spending more than
is left is refused, and the caller does the cheaper thing instead (not storing, waiting
behind everyone else). In memory, per machine: a refusal here never refuses a request,
it only withholds an extra, so a machine restart forgetting the buckets costs nothing.

At most `max_keys` buckets are kept (least recently used out): a key forgotten starts
again with a full bucket, which only ever errs towards serving.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from kit.cache import Lru
from kit.clock import utcnow

MAX_KEYS = 10_000


class Budget:
    def __init__(
        self,
        per_window: float,
        window: timedelta,
        *,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.per_window = per_window
        self._rate = per_window / window.total_seconds()  # units per second
        # Looked up at each call, so a test can move this module's clock.
        self._clock = clock or (lambda: utcnow())
        # key -> (units left, when they were counted)
        self._buckets: Lru[str, tuple[float, datetime]] = Lru(max_keys)

    def left(self, key: str) -> float:
        """Units `key` may still spend now."""
        found = self._buckets.get(key)
        if found is None:
            return self.per_window
        units, counted = found
        elapsed = max(0.0, (self._clock() - counted).total_seconds())
        return min(self.per_window, units + elapsed * self._rate)

    def seconds_until(self, key: str, units: float) -> float:
        """How long until `key` has `units` to spend (0 when it has them now)."""
        missing = units - self.left(key)
        return max(0.0, missing / self._rate)

    def spend(self, key: str, units: float = 1.0) -> bool:
        """Take `units` from `key`'s budget; False (nothing taken) when too few are left."""
        available = self.left(key)
        if units > available:
            return False
        self._buckets.put(key, (available - units, self._clock()))
        return True

    def charge(self, key: str, units: float) -> None:
        """Take `units` even beyond what is left (work already done, measured after the
        fact): the key then waits, in debt, until the refill covers it."""
        self._buckets.put(key, (self.left(key) - units, self._clock()))
