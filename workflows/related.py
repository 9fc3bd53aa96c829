"""What a page names besides its own items, read for one reader: the videos its comments
are on, the comments and videos its report cases are about, and every climber any of
them shows (authors, mentioned climbers, reported climbers).

A use case that answers with comments or report cases returns them `Shown` with their
`Related`, so the GraphQL layer only maps what it is handed. The reads are batched for
the whole page, never one per item: at most one comments query (reported comments),
one videos query and one users query, each by `_id` (`$in`), whatever the page holds.
Videos are the ones the reader may see (models.audience: a moderator sees hidden ones);
a climber whose account is gone is absent from `people`, and the mapping shows a
stand-in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from beanie import PydanticObjectId
from bson import ObjectId

from models.audience import Audience
from models.comment import CommentView
from models.registry import Repositories
from models.user import UserCard
from models.video import VideoView

T = TypeVar("T")
IdT = TypeVar("IdT", bound=ObjectId)


@dataclass(frozen=True, slots=True)
class Related:
    """What a page's items name, by id; absent: gone, or not for this reader."""

    videos: Mapping[PydanticObjectId, VideoView] = field(default_factory=dict)
    comments: Mapping[PydanticObjectId, CommentView] = field(default_factory=dict)
    people: Mapping[ObjectId, UserCard] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Shown(Generic[T]):
    """Items as a page (or a mutation's answer) shows them, with what they name."""

    items: list[T]
    related: Related
    has_next: bool = False


class RelatedReads:
    def __init__(self, repos: Repositories) -> None:
        self._repos = repos

    async def read(
        self,
        audience: Audience,
        *,
        comments: Sequence[CommentView] = (),
        comment_ids: Sequence[PydanticObjectId] = (),
        video_ids: Sequence[PydanticObjectId] = (),
        user_ids: Iterable[ObjectId] = (),
        comments_videos: bool = True,
    ) -> Related:
        """`comments` (already read) and those of `comment_ids` (read here, hidden or
        not: only moderators' cases name them), the videos of `video_ids` and those the
        comments are on (unless `comments_videos` is false: the caller already shows
        it), and the people: `user_ids`, the videos' authors, the comments' authors and
        the climbers they mention."""
        repos = self._repos
        named = [*comments, *await repos.comments.get_many(distinct(comment_ids))]
        wanted_videos = [*video_ids, *(c.video_id for c in named)] if comments_videos else video_ids
        videos = await repos.videos.get_views(distinct(wanted_videos), audience)
        wanted_people = [
            *user_ids,
            *(video.user_id for video in videos),
            *(user for comment in named for user in (comment.user_id, *comment.mentions)),
        ]
        cards = await repos.users.cards(distinct(wanted_people))
        return Related(
            videos={video.id: video for video in videos},
            comments={comment.id: comment for comment in named},
            people={card.id: card for card in cards},
        )


def distinct(ids: Iterable[IdT]) -> list[IdT]:
    """The ids, each once, in their first order (a page names many twice)."""
    return list(dict.fromkeys(ids))
