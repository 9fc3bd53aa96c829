"""The new read paths' limits (bench/raw_reads.py) answer what the API answers, field for
field, for the same documents and viewer: a video's comments and the notifications inbox
for viewers who follow, block and are blocked, with hidden comments, a suspended author,
followers-only videos and a moderator; the logbook's incremental pulls with deletions and
a stale one; a gym's circuits above and below the threshold (issue 28: each new read
path is measured against an equal, correct limit)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from bson import ObjectId
from httpx import ASGITransport, AsyncClient

from api.settings import Settings
from bench import raw_endpoint
from bench.scenarios import COMMENTS_PAGE, GYM_CIRCUITS, LOGBOOK_CHANGES, NOTIFICATIONS_PAGE
from kit.clock import today_utc
from tests.support.client import BASE_URL, Api, upload_media
from tests.support.comments import comment
from tests.support.gym_crowd import climbers, gym, tick
from tests.support.logbook import DELETE_CROIX, create_croix, create_session
from tests.support.safety import BLOCK, make_moderator
from tests.support.social import follow
from tests.support.sync import Device
from tests.support.videos import LIKE, accounts, post_video


@pytest.fixture
async def raw(api: Api, settings: Settings) -> AsyncIterator[AsyncClient]:
    app = raw_endpoint.create_app(
        str(settings.mongodb_url), settings.mongodb_db, settings.resolved_jwt_secret()
    )
    async with (
        LifespanManager(app) as manager,
        AsyncClient(transport=ASGITransport(app=manager.app), base_url=BASE_URL) as http,
    ):
        yield http


async def _raw(raw: AsyncClient, path: str, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await raw.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def test_comments_and_the_inbox_equal_the_apis_for_every_kind_of_viewer(
    api: Api, raw: AsyncClient, db: Any
) -> None:
    viewer, friend, stranger, blocker, blocked, suspended, mod = await accounts(api, 7)
    await make_moderator(mod)
    for fan in (viewer, stranger, blocker):
        await follow(api, fan, friend)
    own = await post_video(api, viewer)
    friends_only = await post_video(api, friend, visibility="FOLLOWERS")
    for liker in (friend, stranger, blocked, suspended):
        await api.data(LIKE, {"id": own["id"]}, liker.token)
    for follower in (stranger, blocker, blocked):
        await follow(api, follower, viewer)
    # Threads and replies from everyone, mentions of the viewer and of others.
    top = await comment(api, stranger, own["id"], f"@{viewer.pseudo} nice")
    await comment(api, viewer, own["id"], "thanks!", reply_to=top["id"])
    await comment(api, blocked, own["id"], "me too", reply_to=top["id"])
    for author in (friend, blocker, blocked, suspended, viewer, stranger):
        made = await comment(api, author, own["id"], f"beta @{friend.pseudo} by {author.pseudo}")
        await comment(api, friend, own["id"], "agreed", reply_to=made["id"])
    mine = await comment(api, viewer, own["id"], "my own, hidden later")
    hidden = await comment(api, stranger, own["id"], "hidden later")
    await comment(api, stranger, friends_only["id"], f"@{viewer.pseudo} look")
    await comment(api, blocker, friends_only["id"], f"@{viewer.pseudo} look too")
    # Then the blocks, a moderator's HIDE (two comments), a suspension (what
    # workflows/moderation.py stores).
    await api.data(BLOCK, {"id": viewer.id}, blocker.token)
    await api.data(BLOCK, {"id": blocked.id}, viewer.token)
    for comment_id in (mine["id"], hidden["id"]):
        await db.comments.update_one(
            {"_id": ObjectId(comment_id)}, {"$set": {"withheld": ["moderation"]}}
        )
    for collection, field in (("users", "_id"), ("videos", "user_id"), ("comments", "user_id")):
        await db[collection].update_many(
            {field: ObjectId(suspended.id)}, {"$set": {"withheld": ["suspended"]}}
        )

    compared = 0
    for who in (viewer, friend, stranger, blocked, mod, None):
        token = None if who is None else who.token
        for first in (50, 5):
            api_page = await api.data(COMMENTS_PAGE, {"id": own["id"], "first": first}, token)
            assert await _raw(raw, f"/comments/{own['id']}?first={first}", token) == api_page
            if api_page["video"] is not None:  # `blocked` sees no video of the viewer's
                compared += len(api_page["video"]["comments"]["edges"])
            if who is not None:
                inbox = await api.data(NOTIFICATIONS_PAGE, {"first": first}, token)
                assert await _raw(raw, f"/notifications?first={first}", token) == inbox
                compared += len(inbox["notifications"]["edges"])
    assert compared > 100  # the comparisons compared something
    seen = await _raw(raw, f"/comments/{own['id']}?first=50", viewer.token)
    nodes = [edge["node"] for edge in seen["video"]["comments"]["edges"]]
    authors = {node["user"]["id"] for node in nodes}
    assert {blocker.id, blocked.id, suspended.id}.isdisjoint(authors)
    assert [node["hidden"] for node in nodes if node["id"] == mine["id"]] == [True]
    assert hidden["id"] not in {node["id"] for node in nodes}
    inbox = await _raw(raw, "/notifications?first=50", viewer.token)
    kinds = {edge["node"]["kind"] for edge in inbox["notifications"]["edges"]}
    assert {"LIKE", "FOLLOW", "COMMENT", "REPLY", "MENTION"} <= kinds
    # A climber the viewer cannot see gets nothing: not the video, not its comments.
    assert await _raw(raw, f"/comments/{friends_only['id']}", blocked.token) == {"video": None}


async def test_incremental_pulls_equal_the_apis(api: Api, raw: AsyncClient) -> None:
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    session = await create_session(api, climber, "2026-11-20", notes="first")
    kept = await create_croix(api, climber, photo, session_id=session["id"])
    gone = await create_croix(api, climber, photo, session_id=session["id"], color="red")
    device = Device(api, climber)
    device.create("sessions", date="2026-11-21", gym_id=None, feeling=3, notes=None)
    await device.synchronize()

    async def both(since: float | None) -> tuple[float, Any]:
        variables = {"since": since}
        answer = (await api.data(LOGBOOK_CHANGES, variables, climber.token))["logbookChanges"]
        query = "" if since is None else f"?since={since!r}"
        mirror = (await _raw(raw, "/logbook_changes" + query, climber.token))["logbookChanges"]
        assert mirror["changes"] == answer["changes"]
        assert mirror["reset"] == answer["reset"]
        assert mirror["timestamp"] >= answer["timestamp"]  # the clock moves on
        return answer["timestamp"], answer["changes"]

    start, everything = await both(None)
    assert len(everything["croix"]["created"]) == 2
    await create_croix(api, climber, photo, session_id=session["id"], color="green")
    await api.data(DELETE_CROIX, {"id": gone["id"]}, climber.token)
    device.update("sessions", next(iter(device.tables["sessions"])), notes="edited offline")
    await device.synchronize()
    assert kept["id"]
    after, changes = await both(start)
    assert changes["croix"]["deleted"] == [gone["id"]]
    assert len(changes["croix"]["created"]) == len(changes["sessions"]["updated"]) == 1
    _, nothing = await both(after)
    assert not any(rows for table in nothing.values() for rows in table.values())
    await both(1.0)  # older than the tombstones are kept: the whole logbook, reset


async def test_gym_circuits_equal_the_apis(api: Api, raw: AsyncClient) -> None:
    crowd = await climbers(api, 6)
    gym_id = await gym(api, crowd[0])
    day = today_utc().isoformat()
    grades = ("6a", "6a+", "6b", "5+", "V3", "6a")
    for who, grade in zip(crowd, grades, strict=True):
        await tick(api, who, gym_id, day, "blue", grade, "FLASH" if grade == "6a" else "TOP")
    await tick(api, crowd[0], gym_id, day, "pink", "7A", "PROJECT")  # one climber: hidden
    for token in (crowd[1].token, None):
        answer = await api.data(GYM_CIRCUITS, {"gym": gym_id}, token)
        assert await _raw(raw, f"/gym_circuits/{gym_id}", token) == answer
    circuits = {c["color"]: c for c in answer["gymCircuits"]}
    assert circuits["blue"]["enough_data"] is True
    assert circuits["pink"]["enough_data"] is False
