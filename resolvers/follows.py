"""Follows: follow / unfollow, a user's followers and following, the following feed.

Edges live in their own collection (see models.follow); `User.is_followed_by_me` goes
through the per-request follows loader, so a page of users costs one `follows` query.

The following feed reads the followee ids once (with the viewer's audience), then
pages `videos` with `user_id: {$in: ids}`: two queries per page whatever the number
followed, and MongoDB merges the authors' newest-first ranges of the `user_videos`
index. Chosen over a `$lookup` from `follows`, which would fetch a page's worth of
videos per followee before sorting. The limit: the id list travels with every page
(12 bytes an id; fine up to a few thousand followees). Far beyond that, the answer is
fan-out on write (a timeline collection per reader), not a bigger `$in`.
"""

from __future__ import annotations

import strawberry
from beanie import PydanticObjectId

from models.block import BlockEdge
from models.follow import FollowEdge
from models.user import UserDocument
from models.video import VideoRow
from resolvers.climbing import iso_utc
from resolvers.context import Info
from resolvers.paging import PageInfo, connection, decode_cursor, encode_cursor, page_size
from resolvers.users import User, load_user
from resolvers.video_fields import listed_fields
from resolvers.videos import VideoConnection, video_connection
from rules.ids import parse_id


async def _node(root: UserEdge, info: Info) -> User:
    card = await load_user(info, root.user_id)  # batched: one users query per page
    return User.from_card(root.user_id, card)


@strawberry.type(name="UserEdge")
class UserEdge:
    cursor: str
    node: User = strawberry.field(resolver=_node)
    followed_at: str = strawberry.field(
        description="When this follow began (ISO-8601, UTC); in `blockedUsers`, the block."
    )
    user_id: strawberry.Private[PydanticObjectId]

    @classmethod
    def from_follow(cls, edge: FollowEdge, user_id: PydanticObjectId) -> UserEdge:
        assert edge.id is not None
        return cls(
            cursor=encode_cursor(edge.created_at, edge.id),
            followed_at=iso_utc(edge.created_at),
            user_id=user_id,
        )

    @classmethod
    def from_block(cls, edge: BlockEdge) -> UserEdge:
        assert edge.id is not None
        return cls(
            cursor=encode_cursor(edge.created_at, edge.id),
            followed_at=iso_utc(edge.created_at),
            user_id=edge.blocked_id,
        )


@strawberry.type(
    name="UserConnection", description="A page of users, the most recent follow first (Relay)."
)
class UserConnection:
    edges: list[UserEdge]
    page_info: PageInfo = strawberry.field(name="pageInfo")


async def followed_by_viewer(info: Info, user_id: PydanticObjectId) -> bool:
    viewer = info.context.viewer_id
    if viewer is None or viewer == user_id:
        return False
    return await info.context.loaders.follows.load((viewer, user_id))


async def follow_page(
    info: Info, user_id: PydanticObjectId, first: int | None, after: str | None, *, followers: bool
) -> UserConnection:
    """A page of the user's followers (or of the users they follow), newest follow first;
    empty for a user a block hides from the viewer (reached through `blockedUsers`)."""
    size, key = page_size(first), decode_cursor(after)
    audience = await info.context.audience()
    if user_id in audience.hidden_users:
        return connection(UserConnection, [], has_next=False)
    found, has_next = await info.context.repos.follows.page(
        user_id=user_id, followers=followers, first=size, after=key, audience=audience
    )
    edges = [
        UserEdge.from_follow(edge, edge.follower_id if followers else edge.followee_id)
        for edge in found
    ]
    return connection(UserConnection, edges, has_next)


def _followed_now(info: Info, user: UserDocument, followed: bool) -> User:
    """The user as stored now (the counters just written), and whether the viewer follows."""
    assert user.id is not None
    info.context.loaders.follows.prime((info.context.require_viewer(), user.id), followed)
    return User.from_document(user)


@strawberry.type
class FollowQuery:
    @strawberry.field(
        name="followingFeed",
        description="Videos of the climbers the caller follows, newest first, by cursor "
        "(like feedPage): pages neither skip nor repeat videos while others post.",
    )
    async def following_feed(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> VideoConnection:
        info.context.require_viewer()
        size, key = page_size(first), decode_cursor(after)
        # The followees come with the viewer's audience (one query for the request),
        # then one query for the page: never one per followed climber.
        audience = await info.context.audience()
        rows: list[VideoRow] = []
        has_next = False
        if audience.followees:
            rows, has_next = await info.context.repos.videos.page(
                author_ids=audience.followees,
                first=size,
                after=key,
                audience=audience,
                fields=listed_fields(info, "edges", "node"),
            )
        return await video_connection(info, rows, has_next)


@strawberry.type
class FollowMutation:
    @strawberry.mutation(
        description="Follow a climber. Idempotent: returns them, followed by you, with their "
        "counts, whether or not you already followed them. BAD_USER_INPUT for yourself, "
        "NOT_FOUND for an unknown user."
    )
    async def follow(self, info: Info, user_id: strawberry.ID) -> User:
        info.context.require_viewer()
        target = parse_id(user_id, "user_id")
        user = await info.context.services.relations.follow(await info.context.audience(), target)
        return _followed_now(info, user, followed=True)

    @strawberry.mutation(
        description="Stop following a climber. Idempotent: returns them, not followed by you, "
        "with their counts, whether or not you followed them."
    )
    async def unfollow(self, info: Info, user_id: strawberry.ID) -> User:
        info.context.require_viewer()
        target = parse_id(user_id, "user_id")
        relations = info.context.services.relations
        user = await relations.unfollow(await info.context.audience(), target)
        return _followed_now(info, user, followed=False)
