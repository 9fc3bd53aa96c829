"""Blocking a climber: the edge, and the follows it ends both ways.

What a block hides (videos, profiles, follow edges, both ways) is decided by
models.audience; this workflow only keeps the data right: one edge per pair, at most
`BLOCKS_MAX` per account, and no follow left standing between the two (each edge
removed with its counters, as unfollow does). The follow that races a block is undone
by the follow itself, which looks for a block after writing its edge (resolvers.follows).
"""

from __future__ import annotations

from dataclasses import replace

from beanie import PydanticObjectId

from models.registry import Repositories
from workflows.audiences import Audiences
from workflows.errors import InvalidInput, Missing

BLOCKS_MAX = 10_000


class Blocking:
    def __init__(self, repos: Repositories, audiences: Audiences) -> None:
        self._repos = repos
        self._audiences = audiences

    async def _may_block(self, blocker: PydanticObjectId, blocked: PydanticObjectId) -> bool:
        """Whether the blocker could see `blocked` if no block stood between them: a
        suspended account answers as an unknown id does, so blockUser never tells a
        hidden account from none (one who blocked the caller may be blocked back: the
        caller is not told of that block)."""
        audience = replace(await self._audiences.of(blocker), hidden_users=frozenset())
        return await self._repos.users.visible_card(blocked, audience) is not None

    async def block(self, blocker: PydanticObjectId, blocked: PydanticObjectId) -> None:
        """Block `blocked` (idempotent) and end the follows between the two."""
        if blocker == blocked:
            raise InvalidInput("user_id", "you cannot block yourself")
        if not await self._may_block(blocker, blocked):
            raise Missing("no user has this id")
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
            raise Missing("no user has this id")
