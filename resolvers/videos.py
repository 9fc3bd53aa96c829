"""Videos, likes and the feed (not built yet: see the videos issue)."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.errors import NotImplementedYet
from resolvers.climbing import VideoStatus
from resolvers.users import User

_PENDING = "videos and the feed are not implemented yet"


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
    is_liked_by_me: bool
    created_at: str


@strawberry.type
class VideoQuery:
    @strawberry.field
    async def feed(self, info: Info, limit: int | None = 10, offset: int | None = 0) -> list[Video]:
        raise NotImplementedYet(_PENDING)

    @strawberry.field
    async def video(self, info: Info, id: strawberry.ID) -> Video | None:
        raise NotImplementedYet(_PENDING)


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
    ) -> Video:
        raise NotImplementedYet(_PENDING)

    @strawberry.mutation(name="likeVideo")
    async def like_video(self, info: Info, video_id: strawberry.ID) -> bool:
        raise NotImplementedYet(_PENDING)

    @strawberry.mutation(name="unlikeVideo")
    async def unlike_video(self, info: Info, video_id: strawberry.ID) -> bool:
        raise NotImplementedYet(_PENDING)
