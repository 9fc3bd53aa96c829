"""Posting, reading, liking and deleting videos, through the GraphQL front door."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from bson import ObjectId

from tests.support.client import Api, code_of, is_copy_of, upload_media
from tests.support.logbook import create_session
from tests.support.videos import (
    DELETE,
    FEED,
    LIKE,
    POST_VIDEO,
    UNLIKE,
    VIDEO,
    CommandLog,
    accounts,
    all_ok,
    post_video,
    video_vars,
)


async def test_a_posted_video_is_stored_normalized_and_readable(api: Api, db: Any) -> None:
    climber = await api.signup()
    url = await upload_media(api, climber, "VIDEO")
    variables = video_vars(url, caption="  Heel hook crux  ", color=" Gray ", grade="7b+ ")
    posted = (await api.data(POST_VIDEO, variables, climber.token))["postVideo"]

    assert posted["user"] == {"id": climber.id, "pseudo": climber.pseudo}
    assert is_copy_of(posted["video_url"], url)  # vouched for, then stored as an immutable copy
    assert posted["caption"] == "Heel hook crux"
    assert (posted["color"], posted["grade"], posted["status"]) == ("grey", "7B+", "TOP")
    assert (posted["like_count"], posted["is_liked_by_me"]) == (0, False)
    assert posted["created_at"].endswith("Z")
    created = datetime.fromisoformat(posted["created_at"])
    assert abs((datetime.now(UTC) - created).total_seconds()) < 60

    # Read back by its owner, it is the same video, same instant (others see it once its
    # file is probed: tests/workflows/test_media_jobs.py).
    assert (await api.data(VIDEO, {"id": posted["id"]}, climber.token))["video"] == posted
    await api.media_settled()
    assert (await api.data(VIDEO, {"id": posted["id"]}))["video"] == posted
    stored = await db.videos.find_one({"_id": ObjectId(posted["id"])})
    assert stored["user_id"] == ObjectId(climber.id)
    assert (stored["likes"], stored["like_count"], stored["status"]) == ([], 0, "TOP")
    assert isinstance(stored["created_at"], datetime)
    assert stored["session_id"] is None


async def test_bad_post_input_is_refused_naming_the_field(api: Api, db: Any) -> None:
    climber = await api.signup()
    url = await upload_media(api, climber, "VIDEO")
    cases = [
        ({"grade": "6D"}, "grade"),
        ({"grade": "V18"}, "grade"),
        ({"color": "chartreuse"}, "color"),
        ({"caption": "x" * 501}, "caption"),
        ({"session": "not-an-id"}, "session_id"),
        ({"session": str(ObjectId())}, "session_id"),
        ({"url": "https://example.com/clip.mp4"}, "video_url"),
        ({"url": "not a url"}, "video_url"),
    ]
    for overrides, field in cases:
        error = await api.error(POST_VIDEO, video_vars(url, **overrides), climber.token)
        assert code_of(error) == "BAD_USER_INPUT", (overrides, error)
        assert error["extensions"]["field"] == field, (overrides, error)
    # An unknown status never reaches the resolver: the schema's enum refuses it.
    error = await api.error(POST_VIDEO, video_vars(url, status="SENT"), climber.token)
    assert code_of(error) == "GRAPHQL_VALIDATION_FAILED"
    assert "VideoStatus" in error["message"]
    # 500 characters exactly is fine.
    await api.data(POST_VIDEO, video_vars(url, caption="y" * 500), climber.token)
    assert await db.videos.count_documents({}) == 1


async def test_only_your_own_video_uploads_can_be_posted(api: Api, db: Any) -> None:
    climber, other = await accounts(api, 2)
    foreign = await upload_media(api, other, "VIDEO")
    photo = await upload_media(api, climber, "PHOTO")
    for url in (foreign, photo):
        error = await api.error(POST_VIDEO, video_vars(url), climber.token)
        assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "video_url")
    assert await db.videos.count_documents({}) == 0


async def test_session_id_must_be_one_of_the_callers_sessions(api: Api, db: Any) -> None:
    climber, other = await accounts(api, 2)
    own = (await create_session(api, climber, "2026-01-10"))["id"]
    foreign = (await create_session(api, other, "2026-01-10"))["id"]

    error = await api.error(
        POST_VIDEO,
        video_vars(await upload_media(api, climber), session=foreign),
        climber.token,
    )
    assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "session_id")

    posted = await post_video(api, climber, session=own)
    stored = await db.videos.find_one({"_id": ObjectId(posted["id"])})
    assert stored["session_id"] == ObjectId(own)


async def test_anonymous_callers_cannot_post_like_or_delete(api: Api) -> None:
    climber = await api.signup()
    video = await post_video(api, climber)
    url = await upload_media(api, climber)
    for query, variables in [
        (POST_VIDEO, video_vars(url)),
        (LIKE, {"id": video["id"]}),
        (UNLIKE, {"id": video["id"]}),
        (DELETE, {"id": video["id"]}),
    ]:
        assert code_of(await api.error(query, variables)) == "UNAUTHENTICATED"


async def test_video_by_id_unknown_and_malformed(api: Api) -> None:
    assert (await api.data(VIDEO, {"id": str(ObjectId())}))["video"] is None
    error = await api.error(VIDEO, {"id": "42"})
    assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "id")


async def _likes_in_db(db: Any, video_id: str) -> tuple[int, list[ObjectId]]:
    stored = await db.videos.find_one({"_id": ObjectId(video_id)})
    return stored["like_count"], stored["likes"]


async def test_fifty_users_liking_and_unliking_at_once(api: Api, db: Any) -> None:
    owner, *fans = await accounts(api, 51)
    video_id = (await post_video(api, owner))["id"]

    await all_ok(api, LIKE, [({"id": video_id}, fan.token) for fan in fans])
    count, likes = await _likes_in_db(db, video_id)
    assert count == 50
    assert sorted(likes) == sorted(ObjectId(fan.id) for fan in fans)  # 50 distinct ids
    assert (await api.data(VIDEO, {"id": video_id}))["video"]["like_count"] == 50

    await all_ok(api, UNLIKE, [({"id": video_id}, fan.token) for fan in fans])
    assert await _likes_in_db(db, video_id) == (0, [])


async def test_one_user_liking_fifty_times_at_once_counts_once(api: Api, db: Any) -> None:
    owner, fan, friend = await accounts(api, 3)
    video_id = (await post_video(api, owner))["id"]
    await api.data(LIKE, {"id": video_id}, friend.token)

    await all_ok(api, LIKE, [({"id": video_id}, fan.token)] * 50)
    count, likes = await _likes_in_db(db, video_id)
    assert (count, sorted(likes)) == (2, sorted([ObjectId(fan.id), ObjectId(friend.id)]))

    # Unlike mirrors it: fifty at once take back one like, and only the caller's.
    await all_ok(api, UNLIKE, [({"id": video_id}, fan.token)] * 50)
    assert await _likes_in_db(db, video_id) == (1, [ObjectId(friend.id)])


async def test_like_and_unlike_are_idempotent_and_say_so(api: Api) -> None:
    owner, fan = await accounts(api, 2)
    video_id = (await post_video(api, owner))["id"]
    for query, liked in [(LIKE, True), (LIKE, True), (UNLIKE, False), (UNLIKE, False)]:
        data = await api.data(query, {"id": video_id}, fan.token)
        assert next(iter(data.values())) is True  # "it is now as you asked"
        video = (await api.data(VIDEO, {"id": video_id}, fan.token))["video"]
        assert (video["is_liked_by_me"], video["like_count"]) == (liked, int(liked))


async def test_liking_an_unknown_or_malformed_video(api: Api) -> None:
    fan = await api.signup()
    for query in (LIKE, UNLIKE):
        error = await api.error(query, {"id": str(ObjectId())}, fan.token)
        assert code_of(error) == "NOT_FOUND"
        error = await api.error(query, {"id": "nope"}, fan.token)
        assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "video_id")


async def test_is_liked_by_me_is_per_viewer_and_false_when_anonymous(api: Api) -> None:
    owner, fan = await accounts(api, 2)
    liked = (await post_video(api, owner))["id"]
    not_liked = (await post_video(api, owner))["id"]
    await api.data(LIKE, {"id": liked}, fan.token)

    def seen(feed: list[dict[str, Any]]) -> dict[str, tuple[bool, int]]:
        return {v["id"]: (v["is_liked_by_me"], v["like_count"]) for v in feed}

    by_fan = seen((await api.data(FEED, {}, fan.token))["feed"])
    assert by_fan == {liked: (True, 1), not_liked: (False, 0)}
    for token in (owner.token, None):
        assert seen((await api.data(FEED, {}, token))["feed"]) == {
            liked: (False, 1),
            not_liked: (False, 0),
        }


async def test_only_the_owner_can_delete_a_video(api: Api, db: Any) -> None:
    owner, other = await accounts(api, 2)
    video_id = (await post_video(api, owner))["id"]

    error = await api.error(DELETE, {"id": video_id}, other.token)
    assert code_of(error) == "FORBIDDEN"
    assert await db.videos.count_documents({"_id": ObjectId(video_id)}) == 1

    assert (await api.data(DELETE, {"id": video_id}, owner.token))["deleteVideo"] is True
    assert (await api.data(VIDEO, {"id": video_id}))["video"] is None
    assert code_of(await api.error(DELETE, {"id": video_id}, owner.token)) == "NOT_FOUND"
    assert code_of(await api.error(LIKE, {"id": video_id}, other.token)) == "NOT_FOUND"
    error = await api.error(DELETE, {"id": "x"}, owner.token)
    assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "id")


async def test_deleting_a_video_deletes_its_file(api: Api) -> None:
    owner = await api.signup()
    video = await post_video(api, owner)
    assert (await api.http.get(video["video_url"])).status_code == 200

    assert (await api.data(DELETE, {"id": video["id"]}, owner.token))["deleteVideo"] is True
    assert (await api.http.get(video["video_url"])).status_code == 404


async def test_a_file_two_videos_show_stays_until_both_are_deleted(api: Api) -> None:
    owner = await api.signup()
    first = await post_video(api, owner)
    # The owner may post the stored URL they got back again: two videos, one file.
    again = await api.data(POST_VIDEO, video_vars(first["video_url"]), owner.token)
    second = again["postVideo"]
    assert second["video_url"] == first["video_url"]

    await api.data(DELETE, {"id": first["id"]}, owner.token)
    assert (await api.http.get(second["video_url"])).status_code == 200
    await api.data(DELETE, {"id": second["id"]}, owner.token)
    assert (await api.http.get(second["video_url"])).status_code == 404


async def test_a_storage_failure_still_deletes_the_video(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from storage.service import MediaStorage

    async def unreachable(self: MediaStorage, url: str) -> bool:
        raise OSError("storage unreachable")

    owner = await api.signup()
    video = await post_video(api, owner)
    monkeypatch.setattr(MediaStorage, "discard", unreachable)
    assert (await api.data(DELETE, {"id": video["id"]}, owner.token))["deleteVideo"] is True
    assert (await api.data(VIDEO, {"id": video["id"]}))["video"] is None
    assert "media left in storage" in caplog.text
    assert (await api.http.get(video["video_url"])).status_code == 200  # the orphan, logged


async def test_video_authors_are_loaded_in_one_query_per_request(
    commands: CommandLog, api: Api
) -> None:
    authors = await accounts(api, 3)
    for author in authors * 3:
        await post_video(api, author)

    commands.start()
    feed = (await api.data(FEED, {"limit": 9}))["feed"]
    commands.stop()

    assert {v["user"]["pseudo"] for v in feed} == {a.pseudo for a in authors}
    user_finds = commands.commands_on("find", "users")
    assert len(user_finds) == 1, user_finds
    asked = user_finds[0]["filter"]["_id"]["$in"]
    assert sorted(asked) == sorted(ObjectId(a.id) for a in authors)
