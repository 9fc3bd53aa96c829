"""The events of the use cases that later features hook into, in one place.

A like, a follow, a comment and a moderator's decision are use cases of their own
(workflows.likes, .relations, .comments, .moderation); each tells what happened to the
`Events` it was built with, and never knows who listens. Today one listener exists, the
notifications inbox (workflows.notifications.Notifications, with push behind it); a new
feature that reacts to these events implements this protocol and is handed in by
api.assembly, and the use cases above stay as they are.

Each event is told after the use case's own write stood (a like stored, a follow not
undone by a block), and its withdrawal after the undoing one (an unlike, an unfollow, a
deleted comment).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from beanie import PydanticObjectId

from models.comment import CommentView


class Events(Protocol):
    async def liked(
        self, video_id: PydanticObjectId, owner: PydanticObjectId, actor: PydanticObjectId
    ) -> None: ...

    async def unliked(
        self, video_id: PydanticObjectId, owner: PydanticObjectId, actor: PydanticObjectId
    ) -> None: ...

    async def followed(self, follower: PydanticObjectId, followee: PydanticObjectId) -> None: ...

    async def unfollowed(self, follower: PydanticObjectId, followee: PydanticObjectId) -> None: ...

    async def commented(self, comment: CommentView, answered: CommentView | None) -> None: ...

    async def comments_removed(self, comment_ids: Sequence[PydanticObjectId]) -> None: ...

    async def moderated(
        self,
        user_id: PydanticObjectId,
        action: str,
        *,
        video_id: PydanticObjectId | None = None,
        comment_id: PydanticObjectId | None = None,
        case_id: PydanticObjectId,
    ) -> None: ...
