"""How much an account that has not verified its e-mail may publish: a few videos a day.

Verifying costs a real mailbox; without it one person could post from throwaway
accounts as fast as they can make them. So until its owner verifies, an account may
publish (post a video others can see) `UNVERIFIED_POSTS_PER_DAY` times in any 24 hours;
private videos, seen by nobody else, are not counted.

Each post is recorded in the `throttle` collection (key `unverified-posts:<user id>`)
before the video is stored and ranked among the account's posts of the last day, as
upload tickets are (workflows.upload_quota): concurrent posts never pass together, and a
refused one is forgotten at once.
"""

from __future__ import annotations

import math
from datetime import timedelta

from beanie import PydanticObjectId
from bson import ObjectId

from kit.clock import utcnow
from models.auth_attempt import AuthAttemptRepository
from models.user import UserRepository
from workflows.errors import Throttled

WINDOW = timedelta(days=1)
DEFAULT_PER_DAY = 3


class UnverifiedPosts:
    def __init__(
        self, attempts: AuthAttemptRepository, users: UserRepository, per_day: int
    ) -> None:
        self._attempts = attempts
        self._users = users
        self.per_day = per_day

    async def spend(self, user_id: PydanticObjectId) -> None:
        """Count one published post; Throttled when an unverified account is over."""
        standing = await self._users.standing(user_id)
        if standing is None or standing[1]:
            return  # verified (or gone: the post fails further on)
        key = f"unverified-posts:{user_id}"
        now = utcnow()
        await self._attempts.forget_before(key, now - WINDOW)
        own = ObjectId()
        recorded = await self._attempts.append(key, own, now, now + WINDOW, self.per_day + 16)
        earlier = [a for a in recorded[:-1] if a.at > now - WINDOW]
        if len(earlier) >= self.per_day:
            await self._attempts.remove(key, own)
            oldest = earlier[len(earlier) - self.per_day]
            wait = max(1, math.ceil((oldest.at + WINDOW - now).total_seconds()))
            raise Throttled(
                f"verify your e-mail address to publish more than {self.per_day} videos a day "
                f"(or try again in {wait} s)",
                wait,
            )
