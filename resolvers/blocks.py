"""Blocking: blockUser, unblockUser and the caller's blocked climbers.

What a block hides is the audience rule's business (models.audience, applied by every
listing); the block itself and the follows it ends are workflows.relations'.
"""

from __future__ import annotations

import strawberry

from resolvers.context import Info
from resolvers.paging import connection, decode_cursor, page_size
from resolvers.shared_types import UserConnection, UserEdge
from rules.ids import parse_id


@strawberry.type
class BlockQuery:
    @strawberry.field(
        name="blockedUsers",
        description="The climbers you blocked, the most recent block first, by cursor "
        "(each edge's `followed_at` is when the block began).",
    )
    async def blocked_users(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> UserConnection:
        viewer = info.context.require_viewer()
        size, key = page_size(first), decode_cursor(after)
        found, has_next = await info.context.repos.blocks.page(
            blocker=viewer, first=size, after=key
        )
        edges = [UserEdge.from_block(edge) for edge in found]
        return connection(UserConnection, edges, has_next)


@strawberry.type
class BlockMutation:
    @strawberry.mutation(
        name="blockUser",
        description="Block a climber: the follows between you end (both ways), and neither "
        "of you sees the other's profile, videos or follows any more; they are not told. "
        "Idempotent; at most 10,000 blocks. BAD_USER_INPUT for yourself, NOT_FOUND for an "
        "unknown or suspended user.",
    )
    async def block_user(self, info: Info, user_id: strawberry.ID) -> bool:
        viewer = info.context.require_viewer()
        await info.context.services.relations.block(viewer, parse_id(user_id, "user_id"))
        return True

    @strawberry.mutation(
        name="unblockUser",
        description="Unblock a climber: their videos show again (the follows do not come "
        "back). Idempotent.",
    )
    async def unblock_user(self, info: Info, user_id: strawberry.ID) -> bool:
        viewer = info.context.require_viewer()
        await info.context.services.relations.unblock(viewer, parse_id(user_id, "user_id"))
        return True
