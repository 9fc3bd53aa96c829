"""Shared by the video and feed tests: GraphQL documents and small helpers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from pymongo import monitoring

from models.video import VideoRepository
from tests.support.client import Account, Api, upload_media

VIDEO_FIELDS = """
  id video_url caption color grade status like_count is_liked_by_me created_at visibility
  user { id pseudo }
"""

POST_VIDEO = f"""
mutation Post($url: String!, $caption: String, $color: String!, $grade: String!,
              $status: VideoStatus!, $session: ID, $visibility: Visibility) {{
  postVideo(video_url: $url, caption: $caption, color: $color, grade: $grade,
            status: $status, session_id: $session, visibility: $visibility) {{
    {VIDEO_FIELDS}
  }}
}}
"""

FEED = f"""
query Feed($limit: Int, $offset: Int) {{
  feed(limit: $limit, offset: $offset) {{ {VIDEO_FIELDS} }}
}}
"""

FEED_PAGE = f"""
query FeedPage($first: Int, $after: String) {{
  feedPage(first: $first, after: $after) {{
    edges {{ cursor node {{ {VIDEO_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor hasPreviousPage startCursor }}
  }}
}}
"""

USER_VIDEOS = """
query UserVideos($id: ID!, $first: Int, $after: String) {
  user(id: $id) {
    pseudo
    videos(first: $first, after: $after) {
      edges { cursor node { id user { id } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

VIDEO = f"query One($id: ID!) {{ video(id: $id) {{ {VIDEO_FIELDS} }} }}"
LIKE = "mutation Like($id: ID!) { likeVideo(video_id: $id) }"
UNLIKE = "mutation Unlike($id: ID!) { unlikeVideo(video_id: $id) }"
DELETE = "mutation Delete($id: ID!) { deleteVideo(id: $id) }"


def video_vars(video_url: str, **overrides: Any) -> dict[str, Any]:
    """postVideo's variables; `url=` among the overrides replaces `video_url`."""
    return {"url": video_url, "color": "Blue", "grade": "6a+", "status": "TOP", **overrides}


async def post_video(api: Api, account: Account, **overrides: Any) -> dict[str, Any]:
    """Upload a video as the phone would, then post it and let the media worker probe it
    (READY: others see it); returns the Video as the post answered it."""
    url = await upload_media(api, account, "VIDEO")
    data = await api.data(POST_VIDEO, video_vars(url, **overrides), account.token)
    video: dict[str, Any] = data["postVideo"]
    await api.media_settled()
    return video


@asynccontextmanager
async def post_held_before_insert(
    api: Api, account: Account, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[asyncio.Future[dict[str, Any]]]:
    """A postVideo by `account` whose checks have all passed, held just before its insert
    while the block runs (a suspension, a deletion...); on leaving, the insert goes on.
    Yields the request: its whole response body, once awaited after the block."""
    url = await upload_media(api, account, "VIDEO")
    checked, go_on = asyncio.Event(), asyncio.Event()
    create = VideoRepository.create

    async def held(self: VideoRepository, **fields: Any) -> Any:
        checked.set()
        await go_on.wait()
        return await create(self, **fields)

    monkeypatch.setattr(VideoRepository, "create", held)
    posting = asyncio.ensure_future(api.execute(POST_VIDEO, video_vars(url), account.token))
    await checked.wait()
    try:
        yield posting
    finally:
        go_on.set()


async def accounts(api: Api, count: int) -> list[Account]:
    return list(await asyncio.gather(*(api.signup() for _ in range(count))))


async def all_ok(api: Api, query: str, calls: list[tuple[dict[str, Any], str | None]]) -> None:
    """Send every call at once; each must answer without errors."""
    responses = await asyncio.gather(*(api.post(query, v, token) for v, token in calls))
    for response in responses:
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.json()


@dataclass
class CommandLog(monitoring.CommandListener):
    """What the app's MongoDB client sends and receives, as the server sees it.

    Registered once (pymongo has no unregister) and picked up by every client created
    afterwards; records only while `recording` is on.
    """

    recording: bool = False
    sent: list[monitoring.CommandStartedEvent] = field(default_factory=list)
    replies: list[monitoring.CommandSucceededEvent] = field(default_factory=list)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.recording:
            self.sent.append(event)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if self.recording:
            self.replies.append(event)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def start(self) -> None:
        self.sent.clear()
        self.replies.clear()
        self.recording = True

    def stop(self) -> None:
        self.recording = False

    def commands_on(self, name: str, collection: str) -> list[dict[str, Any]]:
        return [
            dict(e.command)
            for e in self.sent
            if e.command_name == name and e.command.get(name) == collection
        ]

    def returned_documents(self) -> list[dict[str, Any]]:
        docs: list[dict[str, Any]] = []
        for event in self.replies:
            cursor = event.reply.get("cursor") or {}
            docs += cursor.get("firstBatch", []) + cursor.get("nextBatch", [])
        return docs


_LOG: CommandLog | None = None


def command_log() -> CommandLog:
    """The one CommandLog; only clients created after the first call report to it."""
    global _LOG
    if _LOG is None:
        _LOG = CommandLog()
        monitoring.register(_LOG)
    return _LOG
