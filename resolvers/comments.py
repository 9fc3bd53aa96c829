"""Comments on videos (workflows.comments): posting, deleting, a video's comments.

A page of comments comes with its authors and the climbers they mention, read in one
users query (workflows.comments, workflows.related), as a page of videos does; each
comment carries the video it belongs to (the one the page hangs under), so
`Comment.video` costs nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from models.comment import CommentView
from resolvers.climbing import iso_utc
from resolvers.context import Info
from resolvers.paging import (
    PageInfo,
    connection,
    decode_comment_cursor,
    encode_comment_cursor,
    page_size,
)
from resolvers.related import Named
from resolvers.users import User
from resolvers.videos import Video
from rules.ids import parse_id, parse_optional_id
from workflows.related import Shown


@strawberry.type(name="Comment", description="A climber's comment on a video.")
class Comment:
    id: strawberry.ID
    text: str
    created_at: str = strawberry.field(description="ISO-8601, UTC.")
    user: User
    reply_to: strawberry.ID | None = strawberry.field(
        description="The top-level comment this reply is listed under; null for a "
        "top-level comment (a reply to a reply joins its thread)."
    )
    video: Video | None = strawberry.field(
        description="The video it is on; null if you may no longer see it."
    )
    mentions: list[User] = strawberry.field(
        description="The climbers its text mentions as @pseudo (and was told so)."
    )
    hidden: bool = strawberry.field(
        description="Hidden from everyone but its author and moderators (by moderation, or "
        "its author's suspension): only they ever see true."
    )


@strawberry.type(name="CommentEdge")
class CommentEdge:
    cursor: str
    node: Comment


@strawberry.type(
    name="CommentConnection",
    description="A page of comments, oldest first, replies under their thread (Relay).",
)
class CommentConnection:
    edges: list[CommentEdge]
    page_info: PageInfo = strawberry.field(name="pageInfo")


def comment_of(view: CommentView, named: Named, video: Video | None) -> Comment:
    """The comment, its people from `named` (workflows.related read them with it)."""
    return Comment(
        id=strawberry.ID(str(view.id)),
        text=view.text,
        created_at=iso_utc(view.created_at),
        user=named.person(view.user_id),
        reply_to=None if view.reply_to is None else strawberry.ID(str(view.reply_to)),
        video=video,
        mentions=[named.people[user] for user in view.mentions if user in named.people],
        hidden=bool(view.withheld),
    )


def comments_of(info: Info, shown: Shown[CommentView]) -> list[Comment]:
    """Comments of any videos, each with its video if the reader may see it."""
    named = Named(shown.related, info.context.viewer_id)
    return [comment_of(view, named, named.video(view.video_id)) for view in shown.items]


async def comments_with_videos(info: Info, views: Sequence[CommentView]) -> list[Comment]:
    """Comments of any videos: those videos (the ones the viewer may see) and the people
    read with them, one query each (workflows.comments)."""
    audience = await info.context.audience()
    return comments_of(info, await info.context.services.comments.shown(audience, list(views)))


async def comment_page(
    info: Info, video: Video, first: int | None, after: str | None
) -> CommentConnection:
    """One page of a video's comments (the video is one the viewer sees: it is listed)."""
    size, key = page_size(first), decode_comment_cursor(after)
    audience = await info.context.audience()
    shown = await info.context.services.comments.page(audience, parse_id(video.id, "id"), size, key)
    named = Named(shown.related, info.context.viewer_id)
    edges = [
        CommentEdge(cursor=encode_comment_cursor(view.key), node=comment_of(view, named, video))
        for view in shown.items
    ]
    return connection(CommentConnection, edges, shown.has_next)


@strawberry.type
class CommentMutation:
    @strawberry.mutation(
        name="commentVideo",
        description="Comment on a video you can see, or reply to one of its comments "
        "(`reply_to`). Text: 1 to 1,000 characters; `@pseudo` mentions a climber. "
        "RATE_LIMITED beyond COMMENTS_PER_HOUR comments an hour.",
    )
    async def comment_video(
        self,
        info: Info,
        video_id: strawberry.ID,
        text: str,
        reply_to: strawberry.ID | None = None,
    ) -> Comment:
        info.context.require_viewer()
        video = parse_id(video_id, "video_id")
        answered = parse_optional_id(reply_to, "reply_to")
        shown = await info.context.services.comments.post(
            await info.context.audience(), video, text, answered
        )
        return comments_of(info, shown)[0]

    @strawberry.mutation(
        name="deleteComment",
        description="Delete a comment (and, for a top-level one, its replies): its author, "
        "the video's owner or a moderator may. True when deleted.",
    )
    async def delete_comment(self, info: Info, id: strawberry.ID) -> bool:
        info.context.require_viewer()
        target = parse_id(id, "id")
        await info.context.services.comments.delete(await info.context.audience(), target)
        return True
