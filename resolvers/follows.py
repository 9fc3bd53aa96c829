"""Follows: follow / unfollow, a user's followers and following, the following feed.

Edges live in their own collection (see models.follow); `User.is_followed_by_me` goes
through the per-request follows loader, so a page of users costs one `follows` query.
The pages of followers and followees hang under `User` (resolvers.shared_types).

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

from models.user import UserDocument
from models.video import VideoRow
from resolvers.context import Info
from resolvers.paging import decode_cursor, page_size
from resolvers.shared_types import User, VideoConnection
from resolvers.video_fields import listed_fields
from resolvers.videos import video_connection
from rules.ids import parse_id


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
