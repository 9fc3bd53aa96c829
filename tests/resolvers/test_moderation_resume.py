"""A moderator's decision cut short is finished later (issue 23): the decision is a record
of work written first, its steps (act, close, log) are carried out and noted one by one,
and the sweep run at every start finishes what a crash left. The crash is the process
dying at a step (here the step raising, the request failing), then a new start."""

from __future__ import annotations

from typing import Any

import pytest
from bson import ObjectId

from api.settings import Settings
from models.moderation_log import ModerationLogRepository
from models.report import ReportRepository
from models.video import VideoDocument, VideoRepository
from tests.support.accounts import eventually
from tests.support.app import running_api
from tests.support.client import Account, code_of
from tests.support.safety import MODERATE, REPORT_USER, make_moderator, queue
from tests.support.videos import post_video

VIDEOS = 6


class Crash(Exception):
    """The process dying here: nothing after it runs."""


def crash_at(monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    if step == "act":
        # Mid-way through hiding the videos: MongoDB's update_many is not atomic across
        # documents, so a kill leaves some hidden and some shown.
        async def half_then_die(self: VideoRepository, user_id: Any, reason: str) -> int:
            cursor = VideoDocument.get_pymongo_collection().find({"user_id": user_id}, {"_id": 1})
            ids = [doc["_id"] async for doc in cursor]
            for video_id in ids[: len(ids) // 2]:
                await self.withhold(video_id, reason)
            raise Crash("killed while hiding the videos")

        monkeypatch.setattr(VideoRepository, "withhold_all_of", half_then_die)
    elif step == "close":

        async def die(*_: object, **__: object) -> None:
            raise Crash("killed before the case was closed")

        monkeypatch.setattr(ReportRepository, "close", die)
    else:

        async def die(*_: object, **__: object) -> None:
            raise Crash("killed before the log entry")

        monkeypatch.setattr(ModerationLogRepository, "append_once", die)


@pytest.mark.parametrize("step", ["act", "close", "log"])
async def test_a_suspension_cut_short_is_finished_at_the_next_start(
    settings: Settings, db: Any, step: str
) -> None:
    with pytest.MonkeyPatch.context() as crash:
        async with running_api(settings) as api:
            moderator, author, witness = await api.signup(), await api.signup(), await api.signup()
            await make_moderator(moderator)
            for _ in range(VIDEOS):
                await post_video(api, author)
            await api.data(REPORT_USER, {"id": author.id, "reason": "SPAM"}, witness.token)
            case = next(c for c in await queue(api, moderator) if c["user"]["id"] == author.id)
            crash_at(crash, step)
            died = await api.error(
                MODERATE, {"case": case["id"], "action": "SUSPEND_USER"}, moderator.token
            )
            assert code_of(died) == "INTERNAL_SERVER_ERROR"
    assert await _unfinished(db) == 1

    # The next start: its first sweep finishes the decision (it has none in flight).
    async with running_api(settings):
        await _until_finished(db)
    async with running_api(settings):  # and once more: nothing happens twice
        pass
    await _assert_suspended(db, author, moderator, case["id"])


async def _unfinished(db: Any) -> int:
    count: int = await db.moderation_actions.count_documents({"done_at": None})
    return count


async def _until_finished(db: Any) -> None:
    async def finished() -> bool:
        return await _unfinished(db) == 0

    await eventually(finished)


async def _assert_suspended(db: Any, author: Account, moderator: Account, case_id: str) -> None:
    author_id = ObjectId(author.id)
    user = await db.users.find_one({"_id": author_id})
    assert "suspended" in user["withheld"]
    videos = [v async for v in db.videos.find({"user_id": author_id})]
    assert len(videos) == VIDEOS
    assert all("suspended" in v["withheld"] for v in videos)
    case = await db.report_cases.find_one({"_id": ObjectId(case_id)})
    assert (case["state"], case["resolution"]) == ("CLOSED", "SUSPEND_USER")
    entries = [e async for e in db.moderation_log.find({"case_id": ObjectId(case_id)})]
    assert [(e["action"], str(e["moderator_id"])) for e in entries] == [
        ("SUSPEND_USER", moderator.id)
    ]
