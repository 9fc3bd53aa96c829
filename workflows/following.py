"""Following a climber: the edge with its counters (models.follow), the block that may
race it, and the followee's notification.

The caller's audience has already said the followee is someone they may see (no block
either way, not suspended). A block landing between that check and the edge removed
the follows before this one existed: so the edge is written first and the block looked
for after, and a follow that finds one is undone (and says the user is not found).
"""

from __future__ import annotations

from beanie import PydanticObjectId

from models.registry import Repositories
from workflows.audiences import Audiences
from workflows.errors import Missing
from workflows.notifications import Notifications


class Following:
    def __init__(
        self, repos: Repositories, audiences: Audiences, notifications: Notifications
    ) -> None:
        self._repos = repos
        self._audiences = audiences
        self._notifications = notifications

    async def follow(self, follower: PydanticObjectId, followee: PydanticObjectId) -> None:
        """Follow (idempotent); the followee is told once per follow that stands."""
        follows = self._repos.follows
        try:
            if not await follows.follow(follower, followee):
                return  # already following: nothing new to tell
            if await self._repos.blocks.between(follower, followee):
                await follows.unfollow(follower, followee)
                raise Missing("no user has this id")
        finally:
            self._audiences.forget(follower)  # their followees changed
        await self._notifications.followed(follower, followee)

    async def unfollow(self, follower: PydanticObjectId, followee: PydanticObjectId) -> None:
        """Unfollow (idempotent), withdrawing the follow's notification."""
        try:
            unfollowed = await self._repos.follows.unfollow(follower, followee)
        finally:
            self._audiences.forget(follower)
        if unfollowed:
            await self._notifications.unfollowed(follower, followee)
