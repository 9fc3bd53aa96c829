"""PROJECT videos marked topped: by sendVideoProject, or when their croix's journey closes."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from tests.support.client import Account, Api, code_of, upload_media
from tests.support.logbook import create_croix, create_gym, create_session
from tests.support.social import SEND_PROJECT
from tests.support.videos import VIDEO_FIELDS, accounts, video_vars

FIELDS = VIDEO_FIELDS + " sent_at"
SEND_VIDEO = f"""
mutation SendVideo($id: ID!) {{ sendVideoProject(video_id: $id) {{ {FIELDS} }} }}
"""
POST_VIDEO = f"""
mutation Post($url: String!, $color: String!, $grade: String!, $status: VideoStatus!,
              $croix: ID) {{
  postVideo(video_url: $url, color: $color, grade: $grade, status: $status,
            croix_id: $croix) {{ {FIELDS} }}
}}
"""
FEED = f"query {{ feed(limit: 50) {{ {FIELDS} }} }}"
FEED_PAGE = f"query {{ feedPage(first: 50) {{ edges {{ node {{ {FIELDS} }} }} }} }}"
VIDEO = f"query One($id: ID!) {{ video(id: $id) {{ {FIELDS} }} }}"


async def _post(api: Api, who: Account, status: str, croix: str | None = None) -> dict[str, Any]:
    url = await upload_media(api, who, "VIDEO")
    variables = video_vars(url, color="green", grade="7a", status=status, croix=croix)
    video: dict[str, Any] = (await api.data(POST_VIDEO, variables, who.token))["postVideo"]
    await api.media_settled()  # probed: others see it
    return video


async def _video(api: Api, video_id: str) -> dict[str, Any]:
    video: dict[str, Any] = (await api.data(VIDEO, {"id": video_id}))["video"]
    return video


async def test_send_video_project_marks_it_once_and_the_feeds_show_it(api: Api) -> None:
    me, other = await accounts(api, 2)
    project = await _post(api, me, "PROJECT")
    assert project["sent_at"] is None

    sent = (await api.data(SEND_VIDEO, {"id": project["id"]}, me.token))["sendVideoProject"]
    assert sent["sent_at"] is not None
    assert sent["sent_at"].endswith("Z")
    assert {k: v for k, v in sent.items() if k != "sent_at"} == {
        k: v for k, v in project.items() if k != "sent_at"
    }
    again = (await api.data(SEND_VIDEO, {"id": project["id"]}, me.token))["sendVideoProject"]
    assert again == sent  # idempotent: the first sent_at stays

    [in_feed] = (await api.data(FEED, {}, other.token))["feed"]
    assert in_feed["sent_at"] == sent["sent_at"]
    [edge] = (await api.data(FEED_PAGE, {}, other.token))["feedPage"]["edges"]
    assert edge["node"]["sent_at"] == sent["sent_at"]


async def test_send_video_project_refuses_what_it_cannot_mark(api: Api, db: Any) -> None:
    me, other = await accounts(api, 2)
    theirs = await _post(api, other, "PROJECT")
    error = await api.error(SEND_VIDEO, {"id": theirs["id"]}, me.token)
    assert code_of(error) == "FORBIDDEN"
    assert (await _video(api, theirs["id"]))["sent_at"] is None
    stored = await db.videos.find_one({"_id": ObjectId(theirs["id"])})
    assert stored.get("sent_at") is None

    topped = await _post(api, me, "TOP")
    error = await api.error(SEND_VIDEO, {"id": topped["id"]}, me.token)
    assert code_of(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "video_id"
    assert (await _video(api, topped["id"]))["sent_at"] is None

    error = await api.error(SEND_VIDEO, {"id": str(ObjectId())}, me.token)
    assert code_of(error) == "NOT_FOUND"
    error = await api.error(SEND_VIDEO, {"id": theirs["id"]})
    assert code_of(error) == "UNAUTHENTICATED"


async def test_post_video_takes_only_one_of_your_croix(api: Api) -> None:
    me, other = await accounts(api, 2)
    photo = await upload_media(api, other, "PHOTO")
    theirs = await create_croix(api, other, photo, status="PROJECT")
    url = await upload_media(api, me, "VIDEO")
    variables = video_vars(url, status="PROJECT", croix=theirs["id"])
    error = await api.error(POST_VIDEO, variables, me.token)
    assert code_of(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "croix_id"


async def _journey(api: Api, me: Account) -> tuple[str, str, str]:
    """A gym, and a green 7A project tried over two sessions there: (gym, croix 1, croix 2)."""
    photo = await upload_media(api, me, "PHOTO")
    gym = await create_gym(api, me, f"Arkose {me.pseudo}")
    croix = []
    for day in ("2025-03-01", "2025-03-05"):
        session = await create_session(api, me, day, gym_id=gym)
        croix.append(
            (await create_croix(api, me, photo, session_id=session["id"], color="green",
                                grade="7a", status="PROJECT"))["id"]
        )  # fmt: skip
    return gym, croix[0], croix[1]


async def test_logging_the_send_marks_the_journeys_project_videos(api: Api) -> None:
    me = (await accounts(api, 1))[0]
    gym, first, second = await _journey(api, me)
    on_first = await _post(api, me, "PROJECT", croix=first)
    on_second = await _post(api, me, "PROJECT", croix=second)
    unlinked = await _post(api, me, "PROJECT")
    flashed_other = await _post(api, me, "TOP", croix=first)  # not a project: no sent_at

    photo = await upload_media(api, me, "PHOTO")
    sent_in = await create_session(api, me, "2025-03-12", gym_id=gym)
    await create_croix(api, me, photo, session_id=sent_in["id"], color="green", grade="7a",
                       status="TOP")  # fmt: skip

    marked = [await _video(api, v["id"]) for v in (on_first, on_second)]
    assert all(v["sent_at"] is not None for v in marked)
    assert marked[0]["sent_at"] == marked[1]["sent_at"]  # the send's time, shared
    assert (await _video(api, unlinked["id"]))["sent_at"] is None
    assert (await _video(api, flashed_other["id"]))["sent_at"] is None


async def test_send_project_marks_the_journeys_project_videos(api: Api) -> None:
    me = (await accounts(api, 1))[0]
    _, first, second = await _journey(api, me)
    video = await _post(api, me, "PROJECT", croix=second)
    earlier = (await api.data(SEND_VIDEO, {"id": video["id"]}, me.token))["sendVideoProject"]
    later = await _post(api, me, "PROJECT", croix=first)

    await api.data(SEND_PROJECT, {"croix_id": first}, me.token)
    assert (await _video(api, later["id"]))["sent_at"] is not None
    # Already marked by hand: the journey's close keeps that first date.
    assert (await _video(api, video["id"]))["sent_at"] == earlier["sent_at"]
