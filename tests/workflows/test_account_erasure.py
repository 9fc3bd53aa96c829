"""The account erasure workflow itself, without HTTP: batches, crashes, resumption.

Data is written straight into the collections (as thousands of requests would have),
then `workflows.account_deletion.AccountDeletion` runs against the real database and a
local storage folder.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from beanie import PydanticObjectId, init_beanie
from bson import ObjectId
from pymongo import AsyncMongoClient

from api.settings import Settings
from models.account_deletion import DONE, FINAL_CHECK
from models.registry import DOCUMENT_MODELS, Repositories
from storage.local import LocalStorage
from storage.service import MediaStorage
from workflows.account_deletion import AccountDeletion, Batch, Step, Target
from workflows.notifications import Notifications
from workflows.throttle import Rules, Throttle
from workflows.token_versions import TokenVersions

BATCH = 200
EMAIL = "alice@example.com"


class Killed(Exception):
    """The process died here (an injected failure)."""


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        str(settings.mongodb_url), tz_aware=True
    )
    database = client[settings.mongodb_db]
    await init_beanie(database=database, document_models=DOCUMENT_MODELS)
    yield database
    await client.drop_database(settings.mongodb_db)
    await client.close()


def deletion(root: Path, **options: Any) -> AccountDeletion:
    """A fresh workflow, as a process (re)started would build it."""
    repos = Repositories()
    storage = MediaStorage(LocalStorage(root, "http://testserver", "secret" * 8))
    rules = Rules.from_limits(
        login_attempts_per_account=5,
        login_attempts_per_account_total=50,
        login_attempts_per_address=50,
        signups_per_address=50,
    )
    options.setdefault("batch_size", BATCH)
    options.setdefault("settle_after", timedelta(0))
    return AccountDeletion(
        repos,
        storage,
        Throttle(repos.auth_attempts, rules),
        TokenVersions(repos.users),
        Notifications(repos),
        **options,
    )


def _user(user_id: ObjectId, name: str, **counts: int) -> dict[str, Any]:
    return {
        "_id": user_id, "email": f"{name}@example.com", "email_normalized": f"{name}@example.com",
        "pseudo": name, "pseudo_normalized": name, "password_hash": "x", "token_version": 0,
        "follower_count": counts.get("followers", 0), "following_count": counts.get("following", 0),
        "created_at": datetime.now(UTC),
    }  # fmt: skip


def _video(owner: ObjectId, likes: list[ObjectId]) -> dict[str, Any]:
    return {
        "user_id": owner, "video_url": "http://testserver/media/x.mp4", "color": "blue",
        "grade": "6a", "status": "TOP", "likes": likes, "like_count": len(likes),
        "created_at": datetime.now(UTC),
    }  # fmt: skip


def _session(owner: ObjectId, day: int, croix: int) -> dict[str, Any]:
    return {
        "user_id": owner, "date": datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=day),
        "croix": [
            {"id": ObjectId(), "photo_url": "http://testserver/media/p.jpg", "color": "blue",
             "grade": "6a", "status": "TOP", "created_at": datetime.now(UTC)}
            for _ in range(croix)
        ],
        "created_at": datetime.now(UTC),
    }  # fmt: skip


async def _insert(collection: Any, documents: list[dict[str, Any]]) -> None:
    for start in range(0, len(documents), 1000):
        await collection.insert_many(documents[start : start + 1000])


class Account:
    """Alice and what she owns, written straight into the database."""

    def __init__(self, *, sessions: int, croix: int, videos: int, likes_each: int,
                 liked: int, followers: int, files: int) -> None:  # fmt: skip
        self.alice = ObjectId()
        self.bob = ObjectId()
        self.followers = [ObjectId() for _ in range(followers)]
        self.sizes = {"sessions": sessions, "videos": videos, "likes": liked,
                      "follows": followers + 1, "media": files}  # fmt: skip
        self.plan = (sessions, croix, videos, likes_each, liked, files)

    async def write(self, db: Any, root: Path) -> None:
        sessions, croix, videos, likes_each, liked, files = self.plan
        alice, bob = self.alice, self.bob
        await db.users.insert_many(
            [
                _user(alice, "alice", followers=len(self.followers), following=1),
                _user(bob, "bob", followers=1),
                *(_user(f, f"fan{i}", following=1) for i, f in enumerate(self.followers)),
            ]
        )
        edges = [{"follower_id": f, "followee_id": alice, "created_at": datetime.now(UTC)}
                 for f in self.followers]  # fmt: skip
        edges.append({"follower_id": alice, "followee_id": bob, "created_at": datetime.now(UTC)})
        await _insert(db.follows, edges)
        await _insert(db.sessions, [_session(alice, day, croix) for day in range(sessions)])
        strangers = [ObjectId() for _ in range(likes_each)]
        await _insert(db.videos, [_video(alice, strangers) for _ in range(videos)])
        await _insert(db.videos, [_video(bob, [alice, bob]) for _ in range(liked)])
        await _insert(db.videos, [_video(bob, [bob]) for _ in range(5)])  # not liked by her
        folder = root / "media" / "photos" / str(alice)
        folder.mkdir(parents=True)
        for n in range(files):
            (folder / f"{'a' * 20}{n:04d}.{'b' * 16}.jpg").write_bytes(b"photo")
        await db.throttle.insert_one(
            {"_id": f"login-account:{EMAIL}|10.0.0.1", "attempts": [],
             "expires_at": datetime.now(UTC) + timedelta(minutes=5)}
        )  # fmt: skip

    async def assert_erased(self, db: Any, root: Path) -> None:
        alice = self.alice
        assert await db.users.count_documents({"_id": alice}) == 0
        for collection in ("sessions", "videos", "password_resets"):
            assert await db[collection].count_documents({"user_id": alice}) == 0, collection
        assert await db.videos.count_documents({"likes": alice}) == 0
        assert await db.follows.count_documents({}) == 0
        assert await db.throttle.count_documents({}) == 0
        assert not any((root / "media" / "photos").iterdir())
        # Others' counters follow the edges; like counts the arrays.
        async for user in db.users.find({}):
            assert (user["follower_count"], user["following_count"]) == (0, 0), user["pseudo"]
        async for video in db.videos.find({}):
            assert video["like_count"] == len(video["likes"])
        assert await db.videos.count_documents({"user_id": self.bob}) == self.sizes["likes"] + 5


async def _record(db: Any, alice: ObjectId) -> dict[str, Any]:
    record: dict[str, Any] = await db.account_deletions.find_one({"user_id": alice})
    return record


async def test_a_large_account_is_erased_in_batches(db: Any, tmp_path: Path) -> None:
    # 3,000 croix; 200 videos with 2,000 likes each; 600 likes given; 450 followers.
    account = Account(sessions=30, croix=100, videos=200, likes_each=2000, liked=600,
                      followers=450, files=450)  # fmt: skip
    import time

    t = time.perf_counter()
    await account.write(db, tmp_path)
    print("write", time.perf_counter() - t)
    t = time.perf_counter()
    work = deletion(tmp_path)
    await work.begin(PydanticObjectId(account.alice), EMAIL)
    print("begin", time.perf_counter() - t)
    # At once: the user, her follows and her videos; her likes and logbook not yet.
    record = await _record(db, account.alice)
    assert set(record["steps_done"]) == {"user", "follows", "videos"}
    assert await db.sessions.count_documents({"user_id": account.alice}) == 30

    assert await work.run(PydanticObjectId(account.alice)) is True
    await account.assert_erased(db, tmp_path)
    record = await _record(db, account.alice)
    assert record["phase"] == DONE
    assert "email_normalized" not in record
    sizes = account.sizes
    assert record["erased"]["videos"] == sizes["videos"]
    assert record["erased"]["likes"] == sizes["likes"]
    assert record["erased"]["sessions"] == sizes["sessions"]
    # Bounded batches: never more than BATCH items (BATCH / 10 sessions) in memory at once.
    assert record["batches"]["videos"] == math.ceil(sizes["videos"] / BATCH)
    assert record["batches"]["likes"] == math.ceil(sizes["likes"] / BATCH)
    assert record["batches"]["follows"] == math.ceil(sizes["follows"] / BATCH)
    assert record["batches"]["sessions"] == math.ceil(sizes["sessions"] / (BATCH // 10))
    assert record["batches"]["media"] == math.ceil(sizes["media"] / BATCH)


async def test_a_crash_midway_is_finished_by_the_next_start(db: Any, tmp_path: Path) -> None:
    account = Account(sessions=60, croix=5, videos=10, likes_each=3, liked=30, followers=5,
                      files=5)  # fmt: skip
    await account.write(db, tmp_path)
    first = deletion(tmp_path, batch_size=50)
    calls = 0
    erase_sessions = first.repos.sessions.delete_owner_batch

    async def dies_on_the_third_batch(user_id: PydanticObjectId, limit: int) -> int:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise Killed("power cut")
        return await erase_sessions(user_id, limit)

    first.repos.sessions.delete_owner_batch = dies_on_the_third_batch  # type: ignore[method-assign]
    await first.begin(PydanticObjectId(account.alice), EMAIL)
    with pytest.raises(Killed):
        await first.run(PydanticObjectId(account.alice))

    record = await _record(db, account.alice)
    assert record["phase"] == "erasing"
    assert "sessions" not in record["steps_done"]
    assert record["erased"]["sessions"] == 10  # two batches of 5 sessions went
    assert "Killed" in record["last_error"]
    assert await db.sessions.count_documents({"user_id": account.alice}) == 50

    restarted = deletion(tmp_path, batch_size=50)
    assert await restarted.sweep() == 1  # what the lifespan runs at start
    await account.assert_erased(db, tmp_path)
    assert (await _record(db, account.alice))["phase"] == DONE
    assert await restarted.sweep() == 0  # done is done: nothing runs again


async def test_a_run_cancelled_midway_resumes_where_it_stopped(db: Any, tmp_path: Path) -> None:
    account = Account(sessions=3, croix=2, videos=3, likes_each=2, liked=500, followers=3,
                      files=3)  # fmt: skip
    await account.write(db, tmp_path)
    first = deletion(tmp_path, batch_size=100)
    unlike = first.repos.videos.unlike_all_batch
    two_batches_done = asyncio.Event()
    batches = 0

    async def hangs_after_two(user_id: Any, limit: int, after: Any) -> Any:
        nonlocal batches
        batches += 1
        if batches == 3:
            two_batches_done.set()
            await asyncio.Event().wait()  # the process is stopped here
        return await unlike(user_id, limit, after)

    first.repos.videos.unlike_all_batch = hangs_after_two  # type: ignore[method-assign]
    await first.begin(PydanticObjectId(account.alice), EMAIL)
    task = asyncio.create_task(first.run(PydanticObjectId(account.alice)))
    await two_batches_done.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    record = await _record(db, account.alice)
    assert record["erased"]["likes"] == 200
    assert record["positions"]["likes"] is not None  # where the walk stopped
    assert await db.videos.count_documents({"likes": account.alice}) == 300

    assert await deletion(tmp_path, batch_size=100).run(PydanticObjectId(account.alice))
    await account.assert_erased(db, tmp_path)
    assert (await _record(db, account.alice))["erased"]["likes"] == 500


async def test_two_runs_at_once_uncount_each_edge_and_like_once(db: Any, tmp_path: Path) -> None:
    account = Account(sessions=5, croix=2, videos=5, likes_each=2, liked=300, followers=250,
                      files=10)  # fmt: skip
    await account.write(db, tmp_path)
    one, other = deletion(tmp_path, batch_size=40), deletion(tmp_path, batch_size=40)
    alice = PydanticObjectId(account.alice)
    await asyncio.gather(one.begin(alice, EMAIL), other.begin(alice, EMAIL))
    await asyncio.gather(one.run(alice), other.run(alice))
    await account.assert_erased(db, tmp_path)


async def test_the_final_check_erases_what_landed_during_the_deletion(
    db: Any, tmp_path: Path
) -> None:
    account = Account(sessions=2, croix=2, videos=2, likes_each=2, liked=2, followers=2,
                      files=2)  # fmt: skip
    await account.write(db, tmp_path)
    work = deletion(tmp_path, settle_after=timedelta(minutes=16))
    alice = PydanticObjectId(account.alice)
    await work.begin(alice, EMAIL)
    assert await work.run(alice) is False  # erased once; the final check waits
    assert (await _record(db, account.alice))["phase"] == FINAL_CHECK
    assert await work.sweep() == 0  # not yet

    # In flight during the deletion: a like, a follow, a video, an upload signed before.
    video = await db.videos.insert_one(_video(account.bob, [account.alice]))
    await db.follows.insert_one({"follower_id": account.alice, "followee_id": account.bob,
                                 "created_at": datetime.now(UTC)})  # fmt: skip
    await db.users.update_one({"_id": account.bob}, {"$inc": {"follower_count": 1}})
    await db.videos.insert_one(_video(account.alice, []))
    late = tmp_path / "videos" / str(account.alice) / f"{'c' * 24}.mp4"
    late.parent.mkdir(parents=True)
    late.write_bytes(b"late upload")

    past = datetime.now(UTC) - timedelta(seconds=1)  # the 16 minutes went by
    await db.account_deletions.update_one({"user_id": account.alice}, {"$set": {"run_after": past}})
    assert await work.sweep() == 1
    assert not late.exists()
    assert (await db.videos.find_one({"_id": video.inserted_id}))["like_count"] == 0
    await db.videos.delete_one({"_id": video.inserted_id})  # Bob's, untouched but for the like
    await account.assert_erased(db, tmp_path)


async def test_other_areas_add_their_erasers_at_the_extension_point(
    db: Any, tmp_path: Path
) -> None:
    account = Account(sessions=1, croix=1, videos=1, likes_each=1, liked=1, followers=1,
                      files=1)  # fmt: skip
    await account.write(db, tmp_path)
    await db.extra_things.insert_many([{"blocker_id": account.alice, "n": n} for n in range(7)])

    async def extra_things(target: Target, limit: int, after: Any) -> Batch:
        cursor = db.extra_things.find({"blocker_id": target.user_id}, {"_id": 1}).limit(limit)
        ids = [raw["_id"] async for raw in cursor]
        await db.extra_things.delete_many({"_id": {"$in": ids}})
        return Batch(len(ids))

    work = deletion(tmp_path, batch_size=3, extra_steps=[Step("extra_things", extra_things)])
    await work.begin(PydanticObjectId(account.alice), EMAIL)
    assert await work.run(PydanticObjectId(account.alice))
    record = await _record(db, account.alice)
    assert (record["erased"]["extra_things"], record["batches"]["extra_things"]) == (7, 3)
    assert await db.extra_things.count_documents({}) == 0
