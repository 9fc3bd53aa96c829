"""Liking a video: the guarded update on the video, then the owner's notification.

A like is one atomic update that also answers the video's owner (models.video), so a
like costs that write plus the notification's (a read of the owner's settings and one
upsert of the day's LIKE group). Nothing changed (already liked, or a video the caller
may not see) tells the two apart with one more read, for the caller's error.
"""

from __future__ import annotations

from beanie import PydanticObjectId

from models.audience import Audience
from models.registry import Repositories
from workflows.errors import InvalidInput, Missing
from workflows.events import Events


class Likes:
    def __init__(self, repos: Repositories, events: Events) -> None:
        self._repos = repos
        self._events = events

    async def like(self, audience: Audience, video_id: PydanticObjectId) -> None:
        """Like the video (idempotent); Missing for a video the caller may not see."""
        viewer = _viewer(audience)
        owner = await self._repos.videos.like(video_id, viewer, audience)
        if owner is not None:
            await self._events.liked(video_id, owner, viewer)
        elif not await self._repos.videos.exists(video_id, audience):
            raise Missing("no video has this id")

    async def unlike(self, audience: Audience, video_id: PydanticObjectId) -> None:
        """Take the like back (idempotent), and what it noted in the owner's inbox."""
        viewer = _viewer(audience)
        owner = await self._repos.videos.unlike(video_id, viewer, audience)
        if owner is not None:
            await self._events.unliked(video_id, owner, viewer)
        elif not await self._repos.videos.exists(video_id, audience):
            raise Missing("no video has this id")


def _viewer(audience: Audience) -> PydanticObjectId:
    if audience.viewer_id is None:  # the GraphQL layer requires a viewer first
        raise InvalidInput("viewer", "sign in to like")
    return audience.viewer_id
