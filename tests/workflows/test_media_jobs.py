"""Posted videos are probed, postered and shown, through durable jobs (workflows.media).

Real clips encoded by the tests (tests.support.media), the real worker (run to its end by
`Api.media_settled`, or step by step through `MediaWork.run_once`), the real child
process probing them; the clock of the job queue is moved by the tests.
"""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from typing import Any

import pytest
from bson import ObjectId
from PIL import Image

import kit.video_probe
import workflows.media
from kit.clock import utcnow
from kit.video_probe import Limits
from models.media_job import MediaJobRepository
from tests.support.client import Account, Api, upload_media
from tests.support.media import clip
from tests.support.social import FOLLOWING_FEED, follow
from tests.support.videos import (
    DELETE,
    FEED,
    FEED_PAGE,
    POST_VIDEO,
    USER_VIDEOS,
    CommandLog,
    accounts,
    post_video,
    video_vars,
)
from workflows.media import GAVE_UP, MediaWork, WorkerConfig

MEDIA = "id media_state media_error duration_ms width height poster_url hidden"
ONE = f"query One($id: ID!) {{ video(id: $id) {{ {MEDIA} }} }}"


async def _post(api: Api, owner: Account, body: bytes | None = None, **extra: Any) -> str:
    url = await upload_media(api, owner, "VIDEO", body)
    posted = await api.data(POST_VIDEO, video_vars(url, **extra), owner.token)
    video_id: str = posted["postVideo"]["id"]
    return video_id


async def _seen_by(api: Api, viewer: Account, video_id: str) -> dict[str, bool]:
    """Where `viewer` finds the video: video(id), the feed, the following feed."""
    one = (await api.data(ONE, {"id": video_id}, viewer.token))["video"]
    feed = (await api.data(FEED, {"limit": 50}, viewer.token))["feed"]
    following = (await api.data(FOLLOWING_FEED, {"first": 50}, viewer.token))["followingFeed"]
    return {
        "video": one is not None,
        "feed": any(v["id"] == video_id for v in feed),
        "following": any(e["node"]["id"] == video_id for e in following["edges"]),
    }


async def _profile_ids(api: Api, viewer: Account, owner: Account) -> list[str]:
    user = (await api.data(USER_VIDEOS, {"id": owner.id, "first": 50}, viewer.token))["user"]
    return [edge["node"]["id"] for edge in user["videos"]["edges"]]


# --- the state machine, as the owner and as others see it -------------------------------


async def test_a_video_is_its_owners_at_once_and_everyones_once_ready(api: Api) -> None:
    owner, follower = await accounts(api, 2)
    await follow(api, follower, owner)
    video_id = await _post(api, owner)

    mine = (await api.data(ONE, {"id": video_id}, owner.token))["video"]
    assert mine["media_state"] == "PROCESSING"
    assert (mine["duration_ms"], mine["poster_url"], mine["hidden"]) == (None, None, False)
    assert await _profile_ids(api, owner, owner) == [video_id]
    # Nobody else, anywhere: video(id), both feeds, the profile's videos, anonymous too.
    assert await _seen_by(api, follower, video_id) == dict.fromkeys(
        ("video", "feed", "following"), False
    )
    assert await _profile_ids(api, follower, owner) == []
    assert (await api.data(ONE, {"id": video_id}))["video"] is None

    assert await api.media_settled() == 1
    ready = (await api.data(ONE, {"id": video_id}, follower.token))["video"]
    assert ready["media_state"] == "READY"
    assert (ready["duration_ms"], ready["width"], ready["height"]) == (2000, 160, 96)
    assert ready["media_error"] is None
    assert await _seen_by(api, follower, video_id) == dict.fromkeys(
        ("video", "feed", "following"), True
    )
    assert await _profile_ids(api, follower, owner) == [video_id]


async def test_the_poster_is_a_jpeg_frame_at_most_720_px_wide_beside_the_video(
    api: Api,
) -> None:
    owner = await api.signup()
    video_id = await _post(api, owner, clip(1.5, 1280, 720, 10))
    await api.media_settled()
    video = (await api.data(ONE, {"id": video_id}, owner.token))["video"]
    full = await api.data("query V($id: ID!) { video(id: $id) { video_url } }", {"id": video_id})
    video_url = full["video"]["video_url"]
    # Beside the video: same folder, same upload name and copy.
    folder, _, file = video_url.rpartition("/")
    name, copy, _ = file.split(".")
    assert video["poster_url"] == f"{folder}/{name}-poster.{copy}.jpg"
    got = await api.http.get(video["poster_url"])
    assert (got.status_code, got.headers["content-type"]) == (200, "image/jpeg")
    poster = Image.open(io.BytesIO(got.content))
    assert (poster.format, poster.size) == ("JPEG", (720, 405))
    assert not poster.getexif()

    # Deleting the video deletes its poster too.
    await api.data("mutation D($id: ID!) { deleteVideo(id: $id) }", {"id": video_id}, owner.token)
    assert (await api.http.get(video["poster_url"])).status_code == 404


@pytest.mark.parametrize(("rotation", "top_colour"), [(90, "blue"), (270, "red"), (0, "red")])
async def test_a_rotated_video_is_measured_and_postered_as_displayed(
    api: Api, rotation: int, top_colour: str
) -> None:
    # Filmed upright on a phone: 160x96 coded, a display matrix turning it a quarter.
    owner = await api.signup()
    body = clip(1.2, 160, 96, 10, rotation=rotation, split_colours=True)
    video_id = await _post(api, owner, body)
    await api.media_settled()
    video = (await api.data(ONE, {"id": video_id}, owner.token))["video"]
    expected = (96, 160) if rotation in (90, 270) else (160, 96)
    assert (video["width"], video["height"]) == expected
    poster = Image.open(io.BytesIO((await api.http.get(video["poster_url"])).content))
    assert poster.size == expected
    # Coded: red left, blue right. Turned 90° counter-clockwise (FFmpeg's sense of the
    # display matrix), the blue right half comes on top; turned 270°, the red left half.
    top_left = poster.convert("RGB").getpixel((2, 2))
    assert isinstance(top_left, tuple)
    red, _, blue = top_left[:3]
    assert (red > blue) == (top_colour == "red")


# --- durable jobs: a crash resumes, two workers never share one -------------------------


class _Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = utcnow()
        monkeypatch.setattr(workflows.media, "utcnow", lambda: self.now)

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def _worker(api: Api, **config: Any) -> MediaWork:
    services = api.services
    return MediaWork(services.repos, services.storage, WorkerConfig(**config))


async def test_a_job_whose_worker_died_is_resumed_once_its_lease_runs_out(
    api: Api, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Clock(monkeypatch)
    owner = await api.signup()
    video_id = await _post(api, owner)
    # A worker claims the job, then its machine dies: nothing is ever finished.
    lease = timedelta(minutes=5)
    crashed = await MediaJobRepository().claim(clock.now, lease)
    assert crashed is not None
    assert str(crashed.video_id) == video_id
    survivor = _worker(api, lease_for=lease)
    assert await survivor.run_once() is False  # its lease still runs: nobody takes it

    clock.advance(lease + timedelta(seconds=1))
    assert await survivor.run_once() is True
    video = (await api.data(ONE, {"id": video_id}, owner.token))["video"]
    assert video["media_state"] == "READY"
    job = await db.media_jobs.find_one({"video_id": ObjectId(video_id)})
    assert (job["state"], job["attempts"]) == ("done", 2)
    # The dead worker's lease no longer finishes anything.
    assert await MediaJobRepository().finish(crashed, clock.now, timedelta(days=1)) is False


async def test_two_workers_never_take_the_same_job(api: Api) -> None:
    owner = await api.signup()
    posted = [await _post(api, owner) for _ in range(4)]
    jobs = MediaJobRepository()
    now = utcnow()
    claims = await asyncio.gather(*(jobs.claim(now, timedelta(minutes=5)) for _ in range(12)))
    taken = [str(claim.video_id) for claim in claims if claim is not None]
    assert sorted(taken) == sorted(posted)  # each job once, and every one of them


async def test_workers_running_at_once_each_video_is_probed_once(api: Api, db: Any) -> None:
    owner, other = await accounts(api, 2)
    posted = [await _post(api, owner) for _ in range(3)]
    ran = await asyncio.gather(*(_worker(api).drain() for _ in range(3)))
    assert sum(ran) == 3
    for video_id in posted:
        job = await db.media_jobs.find_one({"video_id": ObjectId(video_id)})
        assert (job["state"], job["attempts"]) == ("done", 1)
        assert (await api.data(ONE, {"id": video_id}, other.token))["video"] is not None


async def test_a_job_that_keeps_failing_stops_after_its_tries_with_a_reason(
    api: Api, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Clock(monkeypatch)
    owner, other = await accounts(api, 2)
    video_id = await _post(api, owner)
    # The probe's child cannot even load with 8 MiB of address space: it dies each time.
    starved = _worker(
        api, limits=Limits(memory_bytes=8 * 1024 * 1024), max_attempts=3,
        retry_after=timedelta(seconds=30),
    )  # fmt: skip
    for attempt in (1, 2):
        assert await starved.run_once() is True
        job = await db.media_jobs.find_one({"video_id": ObjectId(video_id)})
        assert (job["state"], job["attempts"]) == ("queued", attempt)
        assert "probe exited" in job["last_error"]
        assert await starved.run_once() is False  # waits its delay
        clock.advance(timedelta(seconds=30 * attempt + 1))
    assert await starved.run_once() is True
    job = await db.media_jobs.find_one({"video_id": ObjectId(video_id)})
    assert (job["state"], job["attempts"]) == ("failed", 3)
    assert "probe exited" in job["last_error"]
    video = (await api.data(ONE, {"id": video_id}, owner.token))["video"]
    assert (video["media_state"], video["media_error"]) == ("REJECTED", GAVE_UP)
    assert (await api.data(ONE, {"id": video_id}, other.token))["video"] is None
    clock.advance(timedelta(hours=1))
    assert await starved.run_once() is False  # failed for good: never claimed again


async def test_a_post_stranded_without_its_job_is_queued_again(
    api: Api, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Clock(monkeypatch)
    owner = await api.signup()
    video_id = await _post(api, owner)
    # A crash between the post's insert and its enqueue: the video has no job.
    await db.media_jobs.delete_many({})
    worker = _worker(api)
    assert await worker.requeue_stranded() == 0  # too recent: its post may be in flight
    clock.advance(timedelta(minutes=3))
    assert await worker.requeue_stranded() == 1
    assert await worker.drain() == 1
    video = (await api.data(ONE, {"id": video_id}, owner.token))["video"]
    assert video["media_state"] == "READY"


# --- the backfill ------------------------------------------------------------------------


async def _make_legacy(db: Any, video_id: str) -> None:
    """What a video posted before media probing looks like: no media fields, no hold."""
    await db.videos.update_one(
        {"_id": ObjectId(video_id)},
        {"$unset": {"media_state": ""}, "$set": {"withheld": []}},
    )
    await db.media_jobs.delete_many({"video_id": ObjectId(video_id)})


async def test_older_videos_stay_shown_until_the_backfill_probes_them(api: Api, db: Any) -> None:
    owner, other = await accounts(api, 2)
    good = await _post(api, owner)
    renamed_jpeg = await _post(api, owner, _jpeg_bytes())
    for video_id in (good, renamed_jpeg):
        await _make_legacy(db, video_id)
        # Shown, as READY, with nothing known yet.
        seen = (await api.data(ONE, {"id": video_id}, other.token))["video"]
        assert (seen["media_state"], seen["poster_url"]) == ("READY", None)

    media = api.services.media
    assert await media.backfill(batch=1) == 2  # batch of one: the walk resumes by _id
    assert await media.backfill() == 0  # again: nothing more to queue
    assert await api.media_settled() == 2

    probed = (await api.data(ONE, {"id": good}, other.token))["video"]
    assert probed["media_state"] == "READY"
    assert probed["poster_url"] is not None
    assert (await api.data(ONE, {"id": renamed_jpeg}, other.token))["video"] is None
    mine = (await api.data(ONE, {"id": renamed_jpeg}, owner.token))["video"]
    assert mine["media_state"] == "REJECTED"
    assert "not an MP4, MOV or WebM" in mine["media_error"]
    assert await media.backfill() == 0


async def test_new_posts_go_before_the_backfill(api: Api, db: Any) -> None:
    owner = await api.signup()
    older = await _post(api, owner)
    await _make_legacy(db, older)
    await api.services.media.backfill()
    newer = await _post(api, owner)
    assert await _worker(api).run_once() is True
    states = {
        video_id: (await api.data(ONE, {"id": video_id}, owner.token))["video"]["media_state"]
        for video_id in (older, newer)
    }
    assert states == {older: "READY", newer: "READY"}
    first_done = await db.media_jobs.find_one({"state": "done"})
    assert str(first_done["video_id"]) == newer


def _jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (1, 2, 3)).save(out, "JPEG")
    return out.getvalue()


# --- what the feed pays for it -----------------------------------------------------------


async def test_the_feed_shows_posters_and_sizes_in_the_same_round_trips(
    commands: CommandLog, api: Api
) -> None:
    author, reader = await accounts(api, 2)
    for _ in range(3):
        await post_video(api, author)
    plain = FEED_PAGE
    with_media = FEED_PAGE.replace("visibility", "visibility poster_url duration_ms width height")
    assert with_media != plain

    await api.data(plain, {"first": 10}, reader.token)  # the reader's audience, cached
    sent = []
    for document in (plain, with_media):
        commands.start()
        page = (await api.data(document, {"first": 10}, reader.token))["feedPage"]
        commands.stop()
        assert len(page["edges"]) == 3
        sent.append([event.command_name for event in commands.sent])
    assert sent[0] == sent[1]  # the same commands, in the same order
    nodes = [edge["node"] for edge in page["edges"]]
    assert all(node["poster_url"] and node["duration_ms"] == 2000 for node in nodes)
    assert {(node["width"], node["height"]) for node in nodes} == {(160, 96)}


async def test_a_video_deleted_while_being_probed_leaves_no_poster(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await api.signup()
    video_id = await _post(api, owner)
    full = await api.data("query V($id: ID!) { video(id: $id) { video_url } }", {"id": video_id},
                          owner.token)  # fmt: skip
    folder, _, file = full["video"]["video_url"].rpartition("/")
    name, copy, _ = file.split(".")
    poster_url = f"{folder}/{name}-poster.{copy}.jpg"
    probe = kit.video_probe.probe_in_child

    async def probe_then_delete(*args: Any) -> Any:
        found = await probe(*args)
        delete = "mutation D($id: ID!) { deleteVideo(id: $id) }"
        assert (await api.data(delete, {"id": video_id}, owner.token))["deleteVideo"]
        return found

    monkeypatch.setattr(workflows.media, "probe_in_child", probe_then_delete)
    assert await api.media_settled() == 1
    assert (await api.http.get(poster_url)).status_code == 404


async def test_a_rejected_copy_leaves_the_file_its_shown_twin_needs(api: Api) -> None:
    """The owner may post a stored URL twice. A copy rejected (here: probed after the
    length limit was lowered) keeps the file while the other copy is shown; the file
    goes with the last copy that needs it."""
    owner, other = await accounts(api, 2)
    url = await upload_media(api, owner, "VIDEO", clip(2.0, 64, 48, 10))
    posted = (await api.data(POST_VIDEO, video_vars(url), owner.token))["postVideo"]
    shown, url = posted["id"], posted["video_url"]  # the stored file's URL
    assert await api.media_settled() == 1
    assert (await api.http.get(url)).status_code == 200
    twin = (await api.data(POST_VIDEO, video_vars(url), owner.token))["postVideo"]["id"]
    assert await _worker(api, limits=Limits(max_seconds=1.0)).run_once() is True

    rejected = (await api.data(ONE, {"id": twin}, owner.token))["video"]
    assert rejected["media_state"] == "REJECTED"
    assert (await api.data(ONE, {"id": shown}, other.token))["video"]["media_state"] == "READY"
    assert (await api.http.get(url)).status_code == 200  # the shown copy still plays

    await api.data(DELETE, {"id": shown}, owner.token)
    assert (await api.http.get(url)).status_code == 404  # only a rejected copy was left
