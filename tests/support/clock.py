"""A clock that only the test moves: what the code under test reads instead of the wall
clock wherever a test waits out a window (a throttle's back-off, a TTL), so a loaded
machine, however slow, never changes what the test sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass
class HandClock:
    """Stands still at `now` until `advance` moves it; call it for the time."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta
