"""A hard cap on how often one account may do something per sliding hour (comments).

Unlike log-ins (workflows.throttle), where a few more attempts cost only a back-off,
this is a budget: the action recorded beyond `per_hour` in the last hour is refused,
with the seconds until the oldest of them leaves the window.

Each action is recorded in MongoDB (the `throttle` collection, key `<name>:<account>`)
*before* it is allowed, then ranked among the account's actions of the last hour, as
workflows.upload_quota does: concurrent requests, on one machine or several, are
ordered by the database and never pass the cap together; a refused action is forgotten
at once, so hammering does not push the window further.
"""

from __future__ import annotations

import math
from datetime import timedelta

from bson import ObjectId

from kit.clock import utcnow
from models.auth_attempt import AuthAttemptRepository
from workflows.errors import Throttled

WINDOW = timedelta(hours=1)
_WINDOW_SECONDS = math.ceil(WINDOW.total_seconds())
_SLACK = 100  # refused actions a key may hold while waiting to be forgotten


class HourlyCap:
    def __init__(
        self, repo: AuthAttemptRepository, name: str, per_hour: int, noun: str = "actions"
    ) -> None:
        self.repo = repo
        self.name = name
        self.per_hour = per_hour
        self.noun = noun  # what the refusal says there were too many of

    async def spend(self, subject: str) -> None:
        """Record one action of `subject`; raise Throttled when the hour's cap is reached."""
        key = f"{self.name}:{subject}"
        now = utcnow()
        await self.repo.forget_before(key, now - WINDOW)
        own = ObjectId()
        recorded = await self.repo.append(key, own, now, now + WINDOW, self.per_hour + _SLACK)
        earlier = [a for a in recorded[:-1] if a.at > now - WINDOW]
        if len(earlier) < self.per_hour:
            return
        await self.repo.remove(key, own)
        # Room comes back when all but `per_hour - 1` of the earlier ones have left.
        leaving = earlier[len(earlier) - self.per_hour]
        wait = math.ceil((leaving.at + WINDOW - now).total_seconds())
        wait = min(_WINDOW_SECONDS, max(1, wait))
        raise Throttled(f"too many {self.noun}, try again in {wait} s", wait)
