"""The one in-process cache: bounded, least recently used out first, entries optionally
expiring `ttl_seconds` after they were put."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    def __init__(self, maxsize: int, *, ttl_seconds: float | None = None) -> None:
        self._maxsize = maxsize
        self._ttl = ttl_seconds
        # The value, and when it expires (monotonic seconds; inf without a TTL).
        self._entries: OrderedDict[K, tuple[V, float]] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The entry, now the most recently used; None when absent or expired."""
        found = self._entries.get(key)
        if found is None:
            return None
        value, expires = found
        if self._ttl is not None and expires <= time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Keep `value` under `key`, forgetting the least recently used beyond the bound."""
        expires = float("inf") if self._ttl is None else time.monotonic() + self._ttl
        self._entries[key] = (value, expires)
        self._entries.move_to_end(key)
        if len(self._entries) > self._maxsize:
            self._entries.popitem(last=False)

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)
