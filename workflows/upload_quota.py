"""How much one account may sign for upload: tickets and bytes per sliding hour.

Signing costs the server nothing, but each ticket lets its holder put up to 100 MiB into
the bucket (paid storage, and work for whoever sweeps abandoned uploads): without a
budget one account signed a hundred 100 MiB tickets in 0.1 s.

Each ticket is recorded in MongoDB (the `throttle` collection, key `upload:<user id>`)
*before* it is handed out, with its bytes, then ranked among the account's tickets of the
last hour exactly as log-in attempts are (see `workflows.throttle`): a ticket is refused
when the tickets recorded before it, plus itself, exceed the budget, and a refused ticket
is forgotten at once. Concurrent requests, on one machine or several, are ordered by the
database, so together they never sign more than the budget.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bson import ObjectId

from kit.clock import utcnow
from models.auth_attempt import Attempt, AuthAttemptRepository
from workflows.errors import Throttled

WINDOW = timedelta(hours=1)
_WINDOW_SECONDS = math.ceil(WINDOW.total_seconds())
# The key's document keeps at most this many tickets beyond the budget (refused ones
# waiting to be forgotten), a bound against a misbehaving client, never reached otherwise.
_SLACK = 1000


@dataclass(frozen=True, slots=True)
class UploadBudget:
    tickets_per_hour: int
    bytes_per_hour: int


class UploadQuota:
    def __init__(self, repo: AuthAttemptRepository, budget: UploadBudget) -> None:
        self.repo = repo
        self.budget = budget

    async def spend(self, owner_id: str, size: int) -> None:
        """Record one ticket of `size` bytes for the owner; raise Throttled when over budget."""
        key = f"upload:{owner_id}"
        now = utcnow()
        await self.repo.forget_before(key, now - WINDOW)
        own = ObjectId()
        keep = self.budget.tickets_per_hour + _SLACK
        recorded = await self.repo.append(key, own, now, now + WINDOW, keep, amount=size)
        earlier = [a for a in recorded[:-1] if a.at > now - WINDOW]
        wait = self._wait(earlier, size, now)
        if wait is not None:
            await self.repo.remove(key, own)
            raise Throttled(f"upload quota reached, try again in {wait} s", wait)

    def _wait(self, earlier: Sequence[Attempt], size: int, now: datetime) -> int | None:
        """Seconds until this ticket would fit, None when it fits now: the oldest earlier
        tickets leave the window one by one until the rest leave room for it."""
        tickets, spent = len(earlier), sum(a.amount for a in earlier)
        for leaving in [None, *earlier]:
            if leaving is not None:
                tickets, spent = tickets - 1, spent - leaving.amount
            fits = (
                tickets + 1 <= self.budget.tickets_per_hour
                and spent + size <= self.budget.bytes_per_hour
            )
            if fits:
                if leaving is None:
                    return None
                # (A concurrent ticket recorded before this one may carry a later time.)
                return min(
                    _WINDOW_SECONDS, max(1, math.ceil((leaving.at + WINDOW - now).total_seconds()))
                )
        return _WINDOW_SECONDS  # pragma: no cover - the settings keep one ticket within budget
