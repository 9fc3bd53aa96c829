"""Comments on videos (workflows.comments): posting, deleting, comments of any videos.

Comments come with their authors and the climbers they mention, read in one users query
(workflows.comments, workflows.related), as a page of videos does. A video's page of
comments (`Video.comments`, resolvers.shared_types) carries the video it hangs under, so
`Comment.video` costs nothing more there. The types are in resolvers.comment_types.
"""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from models.comment import CommentView
from resolvers.comment_types import Comment, comment_of
from resolvers.context import Info
from resolvers.shared_types import Named
from rules.ids import parse_id, parse_optional_id
from workflows.related import Shown


def comments_of(info: Info, shown: Shown[CommentView]) -> list[Comment]:
    """Comments of any videos, each with its video if the reader may see it."""
    named = Named(shown.related, info.context.viewer_id)
    return [comment_of(view, named, named.video(view.video_id)) for view in shown.items]


async def comments_with_videos(info: Info, views: Sequence[CommentView]) -> list[Comment]:
    """Comments of any videos: those videos (the ones the viewer may see) and the people
    read with them, one query each (workflows.comments)."""
    audience = await info.context.audience()
    return comments_of(info, await info.context.services.comments.shown(audience, list(views)))


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
