"""Relations between two climbers: follow, unfollow, block, unblock, as one rule.

The rule: **no follow across a block**. It is kept here, whole:

- a follow is for a climber the caller may see (`_visible`: no block either way, not
  suspended), checked before the edge is written;
- a block landing between that check and the edge removed the follows before this one
  existed: so the follow writes its edge first and looks for a block after
  (`_blocked_between`), and a follow that finds one is undone (and says the user is not
  found);
- a block ends the follows between the two, both ways, every time (even a repeat: a
  follow that raced an earlier block may remain).

What a block hides (videos, profiles, follow edges, both ways) is decided by
models.audience; this workflow keeps the data right: one edge per pair (follows and
blocks), their counters, at most `BLOCKS_MAX` blocks per account; and it tells the
followee (workflows.events), the hook later features use.
"""

from __future__ import annotations

from dataclasses import replace

from beanie import PydanticObjectId

from models.audience import Audience
from models.registry import Repositories
from models.user import UserDocument
from workflows.audiences import Audiences
from workflows.errors import InvalidInput, Missing
from workflows.events import Events

BLOCKS_MAX = 10_000
_UNKNOWN = "no user has this id"


class Relations:
    def __init__(self, repos: Repositories, audiences: Audiences, events: Events) -> None:
        self._repos = repos
        self._audiences = audiences
        self._events = events

    async def follow(self, audience: Audience, followee: PydanticObjectId) -> UserDocument:
        """Follow (idempotent); the followee as stored now (their counters just written).
        The followee is told once per follow that stands."""
        follower = await self._followable(audience, followee)
        follows = self._repos.follows
        try:
            followed = await follows.follow(follower, followee)  # False: already following
            if followed and await self._blocked_between(follower, followee):
                await follows.unfollow(follower, followee)
                raise Missing(_UNKNOWN)
        finally:
            self._audiences.forget(follower)  # their followees changed
        if followed:
            await self._events.followed(follower, followee)
        return await self._fresh(followee)

    async def unfollow(self, audience: Audience, followee: PydanticObjectId) -> UserDocument:
        """Unfollow (idempotent), withdrawing the follow's notification; the followee as
        stored now."""
        follower = await self._followable(audience, followee)
        try:
            unfollowed = await self._repos.follows.unfollow(follower, followee)
        finally:
            self._audiences.forget(follower)
        if unfollowed:
            await self._events.unfollowed(follower, followee)
        return await self._fresh(followee)

    async def block(self, blocker: PydanticObjectId, blocked: PydanticObjectId) -> None:
        """Block `blocked` (idempotent) and end the follows between the two."""
        if blocker == blocked:
            raise InvalidInput("user_id", "you cannot block yourself")
        if not await self._may_block(blocker, blocked):
            raise Missing(_UNKNOWN)
        blocks = self._repos.blocks
        # Both see the block at once here (each one's audience lists the other), even
        # when a write below fails after the edge was stored.
        try:
            # Written first, counted after: of concurrent blocks past the cap, none stays.
            if await blocks.add(blocker, blocked) and await blocks.count_by(blocker) > BLOCKS_MAX:
                await blocks.remove(blocker, blocked)
                raise InvalidInput(
                    "user_id", f"you have blocked {BLOCKS_MAX} climbers already: unblock some first"
                )
            # Always, even for a repeat: a follow that raced an earlier block may remain.
            await self._repos.follows.remove_between(blocker, blocked)
        finally:
            self._audiences.forget(blocker, blocked)

    async def unblock(self, blocker: PydanticObjectId, blocked: PydanticObjectId) -> None:
        """Unblock (idempotent). The follows the block ended stay ended."""
        if blocker == blocked:
            raise InvalidInput("user_id", "you cannot block yourself")
        try:
            removed = await self._repos.blocks.remove(blocker, blocked)
        finally:
            self._audiences.forget(blocker, blocked)
        if not removed and not await self._may_block(blocker, blocked):
            raise Missing(_UNKNOWN)

    async def _followable(self, audience: Audience, followee: PydanticObjectId) -> PydanticObjectId:
        """The follower (the audience's viewer), once `followee` is someone they may follow
        or unfollow: not themselves, and visible to them (no block either way)."""
        follower = audience.viewer_id
        if follower is None:  # the GraphQL layer requires a viewer first
            raise InvalidInput("viewer", "sign in to follow")
        if followee == follower:
            raise InvalidInput("user_id", "you cannot follow yourself")
        if await self._repos.users.visible_card(followee, audience) is None:
            raise Missing(_UNKNOWN)
        return follower

    async def _blocked_between(self, one: PydanticObjectId, other: PydanticObjectId) -> bool:
        """Whether a block stands between the two, either way, as stored now."""
        return await self._repos.blocks.between(one, other)

    async def _may_block(self, blocker: PydanticObjectId, blocked: PydanticObjectId) -> bool:
        """Whether the blocker could see `blocked` if no block stood between them: a
        suspended account answers as an unknown id does, so blockUser never tells a
        hidden account from none (one who blocked the caller may be blocked back: the
        caller is not told of that block)."""
        audience = replace(await self._audiences.of(blocker), hidden_users=frozenset())
        return await self._repos.users.visible_card(blocked, audience) is not None

    async def _fresh(self, user_id: PydanticObjectId) -> UserDocument:
        user = await self._repos.users.get(user_id)
        if user is None:
            raise Missing(_UNKNOWN)
        return user
