"""The comment types (resolvers.comments): a comment, the edges of a page of them, and how
a stored comment becomes one. A comment shows climbers and a video, types that
resolvers.shared_types builds (a video's comments are a page under it), so they are
named here lazily: that module imports this one, never the reverse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from models.comment import CommentView
from resolvers.climbing import iso_utc
from resolvers.paging import PageInfo

if TYPE_CHECKING:
    from resolvers.shared_types import Named, User, Video


@strawberry.type(name="Comment", description="A climber's comment on a video.")
class Comment:
    id: strawberry.ID
    text: str
    created_at: str = strawberry.field(description="ISO-8601, UTC.")
    user: Annotated[User, strawberry.lazy("resolvers.shared_types")]
    reply_to: strawberry.ID | None = strawberry.field(
        description="The top-level comment this reply is listed under; null for a "
        "top-level comment (a reply to a reply joins its thread)."
    )
    video: Annotated[Video, strawberry.lazy("resolvers.shared_types")] | None = strawberry.field(
        description="The video it is on; null if you may no longer see it."
    )
    mentions: list[Annotated[User, strawberry.lazy("resolvers.shared_types")]] = strawberry.field(
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
