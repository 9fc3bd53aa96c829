"""Videos, likes and the feed.

Listings come from the repository as `VideoRow`s, the documents as the driver decoded
them (a like count and the viewer's own like, never the likes array), and each becomes
its `Video` straight from there: no view in between copying every field (issue 28). A
single video comes as a `VideoView`. Their authors are read together, in one query,
before the `Video`s are built: a page of videos costs one users query however many
authors it shows, and `Video.user` is a plain field. (An async `user` resolver per video
cost graphql-core more than all the video's other fields: bench/RESULTS.md.) The `Video`
type is in resolvers.shared_types, with `User`: each shows pages of the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import strawberry
from beanie import PydanticObjectId
from bson import ObjectId

from kit.clock import utcnow_ms
from models.statuses import PROJECT
from models.video import VideoRow, VideoView
from resolvers.climbing import VideoStatus
from resolvers.context import Info
from resolvers.errors import BadUserInput, Forbidden, NotFound
from resolvers.paging import decode_cursor, offset_page, page_size
from resolvers.shared_types import User, Video, VideoConnection, Visibility, videos_connection
from resolvers.video_fields import listed_fields
from rules.ids import parse_id
from workflows.posting import NewVideo

FEED_LIMIT_MAX = 50
CroixIdArg = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="The logbook croix this video shows (one of yours): when that croix's "
        "project is sent, a PROJECT video is marked sent with it."
    ),
]


async def _authors(info: Info, user_ids: Sequence[ObjectId]) -> dict[ObjectId, User]:
    """The distinct authors of `user_ids` (in order), read in one query.

    A page already knows all its authors, so it asks for them at once, through the
    repository rather than the users DataLoader: the loader's future per author and its
    gather cost a page more CPU than the query itself (bench/RESULTS.md), and batch nothing
    more here. Each distinct author becomes one `User`, shared by their videos.
    """
    wanted = list(dict.fromkeys(user_ids))  # distinct, in order
    found = {row["_id"]: row for row in await info.context.repos.users.card_rows(wanted)}
    authors: dict[ObjectId, User] = {}
    for user_id in wanted:
        row = found.get(user_id)  # None: the account is gone (`User.from_card`)
        authors[user_id] = User.from_card(user_id, None) if row is None else User.from_card_row(row)
    return authors


async def with_authors(info: Info, views: Sequence[VideoView]) -> list[Video]:
    """The videos, their authors read in one query (`_authors`)."""
    authors = await _authors(info, [view.user_id for view in views])
    viewer = info.context.viewer_id
    return [Video.from_view(view, authors[view.user_id], viewer) for view in views]


async def rows_with_authors(info: Info, rows: Sequence[VideoRow]) -> list[Video]:
    """A listing's videos, straight from its rows, their authors read in one query."""
    authors = await _authors(info, [row["user_id"] for row in rows])
    viewer = info.context.viewer_id
    return [Video.from_row(row, authors[row["user_id"]], viewer) for row in rows]


async def video_page(
    info: Info, first: int | None, after: str | None, user_id: PydanticObjectId | None = None
) -> VideoConnection:
    """One page of the feed (or of one user's videos) after an opaque cursor."""
    size = page_size(first)
    key = decode_cursor(after)
    rows, has_next = await info.context.repos.videos.page(
        first=size,
        after=key,
        audience=await info.context.audience(),
        user_id=user_id,
        fields=listed_fields(info, "edges", "node"),
    )
    return await video_connection(info, rows, has_next)


async def video_connection(info: Info, rows: Sequence[VideoRow], has_next: bool) -> VideoConnection:
    """A page of videos as a Relay connection, their authors loaded in one query."""
    return videos_connection(rows, await rows_with_authors(info, rows), has_next)


@strawberry.type
class VideoQuery:
    @strawberry.field(description=f"Newest first; `limit` 1 to {FEED_LIMIT_MAX}.")
    async def feed(self, info: Info, limit: int | None = 10, offset: int | None = 0) -> list[Video]:
        limit, offset = offset_page(limit, offset, default=10, maximum=FEED_LIMIT_MAX)
        rows = await info.context.repos.videos.feed(
            limit=limit,
            offset=offset,
            audience=await info.context.audience(),
            fields=listed_fields(info),
        )
        return await rows_with_authors(info, rows)

    @strawberry.field(
        name="feedPage",
        description="The feed, newest first, by cursor: pages neither skip nor repeat "
        "videos while others post. Pass the last `endCursor` as `after`.",
    )
    async def feed_page(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> VideoConnection:
        return await video_page(info, first, after)

    @strawberry.field
    async def video(self, info: Info, id: strawberry.ID) -> Video | None:
        video_id = parse_id(id, "id")
        view = await info.context.repos.videos.get_view(video_id, await info.context.audience())
        return None if view is None else (await with_authors(info, [view]))[0]


@strawberry.type
class VideoMutation:
    @strawberry.mutation(name="postVideo")
    async def post_video(
        self,
        info: Info,
        video_url: str,
        color: str,
        grade: str,
        status: VideoStatus,
        caption: str | None = None,
        session_id: strawberry.ID | None = None,
        croix_id: CroixIdArg = None,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> Video:
        viewer = info.context.require_viewer()
        video = NewVideo(
            video_url=video_url,
            color=color,
            grade=grade,
            status=status.value,
            caption=caption,
            session_id=session_id,
            croix_id=croix_id,
            visibility=visibility.value,
        )
        view = await info.context.services.posting.post(viewer, video)
        return (await with_authors(info, [view]))[0]

    @strawberry.mutation(
        name="updateVideo",
        description="Change the caption or the visibility of one of your videos; omitted "
        "arguments are kept, an empty caption clears it. FORBIDDEN for someone else's.",
    )
    async def update_video(
        self,
        info: Info,
        id: strawberry.ID,
        caption: str | None = None,
        visibility: Visibility | None = None,
    ) -> Video:
        info.context.require_viewer()
        target = parse_id(id, "id")
        view = await info.context.services.posting.update(
            await info.context.audience(),
            target,
            caption,
            None if visibility is None else visibility.value,
        )
        return (await with_authors(info, [view]))[0]

    @strawberry.mutation(
        name="sendVideoProject",
        description="Mark one of your PROJECT videos topped: sets its `sent_at`. "
        "Idempotent: a video already sent is returned unchanged, with its first `sent_at`.",
    )
    async def send_video_project(self, info: Info, video_id: strawberry.ID) -> Video:
        viewer = info.context.require_viewer()
        target = parse_id(video_id, "video_id")
        # The guarded update does the work; the read back says why it did nothing, if so.
        await info.context.repos.videos.mark_project_sent(target, viewer, utcnow_ms())
        view = await info.context.repos.videos.get_view(target, await info.context.audience())
        if view is None:
            raise NotFound("no video has this id")
        if view.user_id != viewer:
            raise Forbidden("you can only mark your own videos sent")
        if view.status != PROJECT:
            raise BadUserInput("video_id", "is not a project (status PROJECT)")
        return (await with_authors(info, [view]))[0]

    @strawberry.mutation(
        name="likeVideo",
        description="Like a video. Idempotent: true means the video is now liked by you, "
        "whether or not it already was. NOT_FOUND for a video you may not see.",
    )
    async def like_video(self, info: Info, video_id: strawberry.ID) -> bool:
        info.context.require_viewer()
        target = parse_id(video_id, "video_id")
        await info.context.services.likes.like(await info.context.audience(), target)
        return True

    @strawberry.mutation(
        name="unlikeVideo",
        description="Take back a like. Idempotent: true means the video is now not liked "
        "by you, whether or not it was. NOT_FOUND for a video you may not see.",
    )
    async def unlike_video(self, info: Info, video_id: strawberry.ID) -> bool:
        info.context.require_viewer()
        target = parse_id(video_id, "video_id")
        await info.context.services.likes.unlike(await info.context.audience(), target)
        return True

    @strawberry.mutation(
        name="deleteVideo",
        description="Delete one of your videos and its stored file (FORBIDDEN for someone "
        "else's). True when deleted.",
    )
    async def delete_video(self, info: Info, id: strawberry.ID) -> bool:
        info.context.require_viewer()
        target = parse_id(id, "id")
        posting = info.context.services.posting
        await posting.delete(await info.context.audience(), target, info.context.request_id)
        return True
