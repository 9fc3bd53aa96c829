"""The two types every area shows, which point at each other, and the pages that hang
under them: `User` (its videos, followers and following are pages) and `Video` (its
`user` is a `User`, its comments name `User`s).

They live in one module so that the areas' modules (users, videos, follows, comments,
moderation, ...) import them and never one another: building a page of videos under a
user, or of comments (with their climbers) under a video, needs both types, so a
module of each would import the other (issue 30). The areas' queries and mutations stay
in their own modules; the comment types are in resolvers.comment_types.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Annotated

import strawberry
from beanie import PydanticObjectId
from bson import ObjectId

from models.audience import FOLLOWERS, MEDIA, PRIVATE, PUBLIC
from models.block import BlockEdge
from models.follow import FollowEdge
from models.user import UserCard, UserCardRow, UserDocument
from models.video import PROCESSING, READY, REJECTED, VideoRow, VideoView
from resolvers.climbing import VideoStatus, iso_utc
from resolvers.comment_types import CommentConnection, CommentEdge, comment_of
from resolvers.context import Info
from resolvers.paging import (
    PageInfo,
    connection,
    decode_comment_cursor,
    decode_cursor,
    encode_comment_cursor,
    encode_cursor,
    page_size,
)
from resolvers.stats import ClimbStats, stats_of
from resolvers.video_fields import listed_fields
from rules.ids import parse_id
from workflows.related import Related


@strawberry.enum(
    name="Visibility", description="Who may see it besides its owner: a video, a logbook."
)
class Visibility(Enum):
    PUBLIC = PUBLIC
    FOLLOWERS = strawberry.enum_value(FOLLOWERS, description="The owner's followers only.")
    PRIVATE = strawberry.enum_value(PRIVATE, description="Nobody but the owner.")


@strawberry.enum(name="MediaState", description="Where a video's file stands.")
class MediaState(Enum):
    PROCESSING = strawberry.enum_value(
        PROCESSING, description="Being checked; only its owner sees the video meanwhile."
    )
    READY = strawberry.enum_value(READY, description="Checked and shown to its audience.")
    REJECTED = strawberry.enum_value(
        REJECTED,
        description="Refused (see `media_error`); its file is deleted, only its owner sees it.",
    )


# Shown in place of a user whose account no longer exists (see `User.from_card`).
GONE_PSEUDO = "[deleted account]"


@strawberry.type(name="User")
class User:
    id: strawberry.ID
    pseudo: str
    avatar_url: str | None
    bio: str | None
    follower_count: int = strawberry.field(default=0, description="How many follow this user.")
    following_count: int = strawberry.field(
        default=0, description="How many climbers this user follows."
    )

    @strawberry.field(description="This user's videos, newest first, by cursor.")
    async def videos(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> VideoConnection:
        return await _videos_of(info, self, first, after)

    @strawberry.field(
        description="Whether the signed-in caller follows this user; false when anonymous."
    )
    async def is_followed_by_me(self, info: Info) -> bool:
        return await followed_by_viewer(info, parse_id(self.id, "id"))

    @strawberry.field(description="Who follows this user, the most recent first, by cursor.")
    async def followers(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> UserConnection:
        return await follow_page(info, parse_id(self.id, "id"), first, after, followers=True)

    @strawberry.field(description="Whom this user follows, the most recent first, by cursor.")
    async def following(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> UserConnection:
        return await follow_page(info, parse_id(self.id, "id"), first, after, followers=False)

    @strawberry.field(
        description="This climber's numbers from their logbook, `from` / `to` days "
        "(YYYY-MM-DD) included. The logbook is private: null unless you are this climber."
    )
    async def stats(
        self,
        info: Info,
        from_: Annotated[str | None, strawberry.argument(name="from")] = None,
        to: str | None = None,
    ) -> ClimbStats | None:
        user_id = parse_id(self.id, "id")
        if info.context.viewer_id != user_id:
            return None
        return await stats_of(info, user_id, from_, to)

    @classmethod
    def from_document(cls, doc: UserDocument | UserCard) -> User:
        return cls(
            id=strawberry.ID(str(doc.id)),
            pseudo=doc.pseudo,
            avatar_url=doc.avatar_url,
            bio=doc.bio,
            follower_count=doc.follower_count,
            following_count=doc.following_count,
        )

    @classmethod
    def from_card_row(cls, row: UserCardRow) -> User:
        """What `from_document` makes of the card, straight from the row read."""
        return cls(
            id=strawberry.ID(str(row["_id"])),
            pseudo=row["pseudo"],
            avatar_url=row.get("avatar_url"),
            bio=row.get("bio"),
            follower_count=int(row.get("follower_count", 0)),
            following_count=int(row.get("following_count", 0)),
        )

    @classmethod
    def from_card(cls, user_id: ObjectId, card: UserCard | None) -> User:
        """The user `card` shows, or, when their account is gone, a stand-in: one orphan
        video or follow edge cannot null out a whole page (its user is non-null)."""
        if card is None:
            return cls(
                id=strawberry.ID(str(user_id)), pseudo=GONE_PSEUDO, avatar_url=None, bio=None
            )
        return cls.from_document(card)


async def load_user(info: Info, user_id: ObjectId) -> UserCard | None:
    return await info.context.loaders.users.load(user_id)


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


@strawberry.type(name="Video")
class Video:
    id: strawberry.ID
    user: User
    video_url: str
    caption: str | None
    color: str
    grade: str
    status: VideoStatus
    like_count: int
    is_liked_by_me: bool = strawberry.field(
        description="Whether the signed-in caller likes this video; false when anonymous."
    )
    created_at: str = strawberry.field(description="ISO-8601, UTC.")
    sent_at: str | None = strawberry.field(
        description="For a PROJECT video: when it was topped (ISO-8601, UTC); null while open."
    )
    visibility: Visibility = strawberry.field(
        default=Visibility.PUBLIC, description="Who may see it besides its owner."
    )
    hidden: bool = strawberry.field(
        default=False,
        description="Hidden from everyone but its owner and moderators (by moderation, or "
        "its owner's suspension). Only they see it, so only they ever see true.",
    )
    comment_count: int = strawberry.field(
        default=0,
        description="Comments on it, replies included (some may be hidden from you: by "
        "moderation, or by a block).",
    )

    @strawberry.field(
        description="Its comments, oldest first, each reply right under the comment it "
        "answers (one level deep), by cursor; what you may not see left out."
    )
    async def comments(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> CommentConnection:
        return await comment_page(info, self, first, after)

    media_state: MediaState = strawberry.field(
        default=MediaState.READY,
        description="Others see a video only once READY; its owner sees it at once.",
    )
    media_error: str | None = strawberry.field(
        default=None, description="Why the file was REJECTED; shown to the owner only."
    )
    duration_ms: int | None = strawberry.field(
        default=None, description="Length in milliseconds; null until READY."
    )
    width: int | None = strawberry.field(
        default=None, description="Width as displayed (rotation applied); null until READY."
    )
    height: int | None = strawberry.field(
        default=None, description="Height as displayed (rotation applied); null until READY."
    )
    poster_url: str | None = strawberry.field(
        default=None,
        description="A JPEG frame from about one second in, at most 720 px wide, to show "
        "while the video loads; null until READY.",
    )

    @classmethod
    def from_row(cls, row: VideoRow, author: User, viewer: PydanticObjectId | None) -> Video:
        """The video a listing's row shows (what `from_view` makes of a `VideoView`, with
        the view's defaults for fields older documents lack), built in one step: a page
        builds twenty, so this reads each field once and calls as little as it can."""
        sent_at = row.get("sent_at")
        withheld = row.get("withheld")
        media_error = row.get("media_error")
        visibility = row.get("visibility") or PUBLIC
        media_state = row.get("media_state") or READY
        return cls(
            id=strawberry.ID(str(row["_id"])),
            user=author,
            video_url=row["video_url"],
            caption=row.get("caption"),
            color=row["color"],
            grade=row["grade"],
            status=_STATUSES.get(row["status"]) or VideoStatus(row["status"]),
            like_count=int(row.get("like_count", 0)),
            is_liked_by_me=bool(row.get("liked_by_me")),
            created_at=iso_utc(row["created_at"]),
            sent_at=None if sent_at is None else iso_utc(sent_at),
            visibility=_VISIBILITIES.get(visibility) or Visibility(visibility),
            comment_count=int(row.get("comment_count", 0)),
            hidden=_hidden(withheld) if withheld else False,
            media_state=_MEDIA_STATES.get(media_state) or MediaState(media_state),
            media_error=None if media_error is None or row["user_id"] != viewer else media_error,
            duration_ms=row.get("duration_ms"),
            width=row.get("width"),
            height=row.get("height"),
            poster_url=row.get("poster_url"),
        )

    @classmethod
    def from_view(
        cls, view: VideoView, author: User, viewer: PydanticObjectId | None = None
    ) -> Video:
        return cls(
            id=strawberry.ID(str(view.id)),
            user=author,
            video_url=view.video_url,
            caption=view.caption,
            color=view.color,
            grade=view.grade,
            status=VideoStatus(view.status),
            like_count=view.like_count,
            is_liked_by_me=view.liked_by_me,
            created_at=iso_utc(view.created_at),
            sent_at=None if view.sent_at is None else iso_utc(view.sent_at),
            visibility=Visibility(view.visibility),
            comment_count=view.comment_count,
            hidden=_hidden(view.withheld),
            media_state=MediaState(view.media_state),
            media_error=view.media_error if view.user_id == viewer else None,
            duration_ms=view.duration_ms,
            width=view.width,
            height=view.height,
            poster_url=view.poster_url,
        )


# The members by stored value, as `VideoStatus(value)` finds them, without Enum's call
# path (a page makes 60 such lookups); the call stays for a value not found, to fail alike.
_STATUSES: dict[object, VideoStatus] = {member.value: member for member in VideoStatus}
_VISIBILITIES: dict[object, Visibility] = {member.value: member for member in Visibility}
_MEDIA_STATES: dict[object, MediaState] = {member.value: member for member in MediaState}


def _hidden(withheld: Sequence[str]) -> bool:
    """Hidden from others for a reason moderation shows (media not READY is told by
    `media_state`, not as `hidden`)."""
    return any(reason != MEDIA for reason in withheld)


@strawberry.type(name="VideoEdge")
class VideoEdge:
    cursor: str
    node: Video


@strawberry.type(name="VideoConnection", description="A page of videos, newest first (Relay).")
class VideoConnection:
    edges: list[VideoEdge]
    page_info: PageInfo = strawberry.field(name="pageInfo")


def videos_connection(
    rows: Sequence[VideoRow], videos: Sequence[Video], has_next: bool
) -> VideoConnection:
    """A page of videos built from its rows, as a Relay connection (each edge's cursor
    its row's position)."""
    edges = [
        VideoEdge(cursor=encode_cursor(row["created_at"], video.id), node=video)
        for row, video in zip(rows, videos, strict=True)
    ]
    return connection(VideoConnection, edges, has_next)


class Named:
    """What a page names besides its items (workflows.related), as GraphQL types: each
    climber and each video built once, shared by every item naming it."""

    def __init__(self, related: Related, viewer: PydanticObjectId | None) -> None:
        self.people = {
            user_id: User.from_document(card) for user_id, card in related.people.items()
        }
        self.videos = {
            video_id: Video.from_view(view, self.person(view.user_id), viewer)
            for video_id, view in related.videos.items()
        }

    def person(self, user_id: ObjectId) -> User:
        """The climber, or a stand-in when their account is gone (`User.from_card`)."""
        found = self.people.get(user_id)
        return User.from_card(user_id, None) if found is None else found

    def video(self, video_id: PydanticObjectId) -> Video | None:
        """The video, if the reader may see it."""
        return self.videos.get(video_id)


async def _videos_of(
    info: Info, author: User, first: int | None, after: str | None
) -> VideoConnection:
    """One page of a user's videos, newest first, after an opaque cursor: `author` is
    every video's `user` (the one the page hangs under, already read)."""
    rows, has_next = await info.context.repos.videos.page(
        first=page_size(first),
        after=decode_cursor(after),
        audience=await info.context.audience(),
        user_id=parse_id(author.id, "id"),
        fields=listed_fields(info, "edges", "node"),
    )
    viewer = info.context.viewer_id
    return videos_connection(rows, [Video.from_row(row, author, viewer) for row in rows], has_next)


async def comment_page(
    info: Info, video: Video, first: int | None, after: str | None
) -> CommentConnection:
    """One page of a video's comments (the video is one the viewer sees: it is listed),
    with their authors and mentioned climbers (workflows.comments)."""
    size, key = page_size(first), decode_comment_cursor(after)
    audience = await info.context.audience()
    shown = await info.context.services.comments.page(audience, parse_id(video.id, "id"), size, key)
    named = Named(shown.related, info.context.viewer_id)
    edges = [
        CommentEdge(cursor=encode_comment_cursor(view.key), node=comment_of(view, named, video))
        for view in shown.items
    ]
    return connection(CommentConnection, edges, shown.has_next)
