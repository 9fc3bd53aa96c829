"""The benchmark's data set, written straight into MongoDB with bulk inserts.

Documents are built with the app's own models and dumped the way Beanie inserts them
(`get_dict(..., to_db=True)`), so they are what the API writes; only the writing skips
the API, for speed. `init_beanie` runs first, creating the indexes as the API does at
start-up.

Shape (deterministic: one seed, one data set):
- 10,050 users: 250 active climbers who post and log, and enough others that videos can
  carry 10,000 distinct likes (likes are user ids);
- 2,400 videos over ~50 days, likes heavy-tailed; in feed order, the first page holds
  two 10,000-like videos, positions 100-119 all carry 10,000 likes (the "hot" page) and
  positions 200-219 none (the "cold" page, otherwise the hot page's twin);
- 12 sessions with 1-8 croix for each active climber, 20 sessions of 5 croix for each of
  the benchmark's viewers.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from beanie import Document, PydanticObjectId, init_beanie
from beanie.odm.utils.dump import get_dict
from pymongo.asynchronous.database import AsyncDatabase

from bench.seed_reads import ReadsFixture, seed_reads, stamp_logbook
from kit.clock import midnight_utc
from kit.cursors import encode_cursor
from kit.passwords import PasswordHasher
from models.climb_session import ClimbSession, CroixEntry
from models.gym import GymDocument
from models.registry import DOCUMENT_MODELS
from models.user import UserDocument
from models.video import VideoDocument
from rules.climbing import FONT_GRADES, HOLD_COLORS

USERS = 10_050
ACTIVE = 250
VIEWERS = 16  # one per load connection: the first active climbers
VIDEOS = 2_400
HOT_LIKES = 10_000
PAGE = 20
HOT_AT = 100  # feed positions HOT_AT .. HOT_AT+19 carry HOT_LIKES each
COLD_AT = 200  # feed positions COLD_AT .. COLD_AT+19 carry none
FIRST_PAGE_HOT = (3, 11)
PASSWORD = "bench-password-1"  # noqa: S105 - the published password of bench accounts
MEDIA = "https://media.bench.invalid"
BATCH = 1_000

GRADES = FONT_GRADES[2:20]
STATUSES = ("FLASH", "TOP", "TOP", "PROJECT")
CAPTIONS = ("Finally stuck the crux!", "Beta in the comments", "New set, first go", None)


@dataclass
class Fixture:
    """What the load needs to know about the data: ids, accounts and cursors."""

    viewer_ids: list[str]
    viewer_emails: list[str]
    login_emails: list[str]
    password: str
    video_ids: list[str]  # ordinary videos (not hot), for video(id) and likes
    hot_cursor: str  # `after` this: a page of 20 videos with 10,000 likes each
    cold_cursor: str  # `after` this: a page of 20 videos without a like
    counts: dict[str, int]
    reads: ReadsFixture | None = None  # the new read paths' pages (bench/seed_reads.py)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _dump(doc: Document) -> dict[str, Any]:
    dumped: dict[str, Any] = get_dict(doc, to_db=True)
    return dumped


def _users(rng: random.Random, password_hash: str, now: datetime) -> list[UserDocument]:
    users = []
    for n in range(USERS):
        pseudo = f"climber{n:05d}"
        users.append(
            UserDocument(
                id=PydanticObjectId(),
                email=f"{pseudo}@bench.example",
                email_normalized=f"{pseudo}@bench.example",
                pseudo=pseudo,
                pseudo_normalized=pseudo,
                password_hash=password_hash,
                avatar_url=f"{MEDIA}/avatars/{pseudo}.png" if n % 2 == 0 else None,
                bio="Crimps, slabs and the occasional dyno." if n % 3 == 0 else None,
                created_at=now - timedelta(days=90, minutes=n),
            )
        )
    return users


def _like_count(rng: random.Random, position: int) -> int:
    if HOT_AT <= position < HOT_AT + PAGE or position in FIRST_PAGE_HOT:
        return HOT_LIKES
    if COLD_AT <= position < COLD_AT + PAGE:
        return 0
    # Heavy-tailed: most videos get a handful of likes, a few get thousands.
    return min(int(4 * (rng.paretovariate(1.1) - 1)), 3_000)


def _videos(
    rng: random.Random, users: list[UserDocument], now: datetime
) -> tuple[list[dict[str, Any]], list[VideoDocument]]:
    """Raw documents (with their likes arrays) and the models, newest first."""
    user_ids = [u.id for u in users if u.id is not None]
    raws: list[dict[str, Any]] = []
    models: list[VideoDocument] = []
    moment = now - timedelta(minutes=1)
    for position in range(VIDEOS):
        author = user_ids[min(int(rng.paretovariate(0.8)) - 1, ACTIVE - 1)]
        video = VideoDocument(
            id=PydanticObjectId(),
            user_id=author,
            video_url=f"{MEDIA}/videos/{author}/{position}.mp4",
            caption=rng.choice(CAPTIONS),
            color=rng.choice(HOLD_COLORS),
            grade=rng.choice(GRADES),
            status=rng.choice(STATUSES),
            created_at=moment.replace(microsecond=moment.microsecond // 1000 * 1000),
        )
        if COLD_AT <= position < COLD_AT + PAGE:
            # The cold page mirrors the hot one (authors, captions, ...): the two pages
            # then differ by their likes only, which is what their comparison is about.
            twin = models[position - COLD_AT + HOT_AT]
            video.user_id, video.caption, video.color = twin.user_id, twin.caption, twin.color
            video.grade, video.status = twin.grade, twin.status
            video.video_url = f"{MEDIA}/videos/{twin.user_id}/{position}.mp4"
        raw = _dump(video)
        likes = rng.sample(user_ids, _like_count(rng, position))
        raw["likes"], raw["like_count"] = likes, len(likes)
        raws.append(raw)
        models.append(video)
        moment -= timedelta(minutes=rng.randint(5, 55))
    return raws, models


def _gyms(now: datetime) -> list[GymDocument]:
    names = ("Le Bloc Bastille", "Grimpe Canal", "Volume Gerland", "La Dalle", "Arkose Nation")
    return [
        GymDocument(
            id=PydanticObjectId(), name=n, name_normalized=n.lower(), location="France",
            created_at=now,
        )
        for n in names
    ]  # fmt: skip


def _sessions(
    rng: random.Random, users: list[UserDocument], gyms: list[GymDocument], now: datetime
) -> list[ClimbSession]:
    sessions = []
    for index, user in enumerate(users[:ACTIVE]):
        assert user.id is not None
        viewer = index < VIEWERS
        for day in range(20 if viewer else 12):
            date = midnight_utc((now - timedelta(days=3 * day + 1)).date())
            croix = [
                CroixEntry(
                    photo_url=f"{MEDIA}/photos/{user.id}/{day}-{k}.jpg",
                    color=rng.choice(HOLD_COLORS),
                    grade=rng.choice(GRADES),
                    status=rng.choice(STATUSES),
                    notes=rng.choice(("heel hook at the top", None, None)),
                    created_at=date + timedelta(hours=18, minutes=10 * k),
                )
                for k in range(5 if viewer else rng.randint(1, 8))
            ]
            sessions.append(
                ClimbSession(
                    id=PydanticObjectId(),
                    user_id=user.id,
                    date=date,
                    gym_id=rng.choice(gyms).id,
                    feeling=rng.randint(1, 5),
                    notes=rng.choice(("good session", None)),
                    croix=croix,
                    created_at=date + timedelta(hours=17),
                )
            )
    return sessions


async def _insert(db: AsyncDatabase[dict[str, Any]], name: str, docs: list[dict[str, Any]]) -> None:
    for start in range(0, len(docs), BATCH):
        await db[name].insert_many(docs[start : start + BATCH], ordered=False)


async def seed(db: AsyncDatabase[dict[str, Any]]) -> Fixture:
    """Create the indexes (as the API does), write the data set, describe it."""
    await init_beanie(database=db, document_models=DOCUMENT_MODELS)
    rng = random.Random(8)
    now = datetime.now(UTC)
    password_hash = await PasswordHasher(1).hash(PASSWORD)
    users = _users(rng, password_hash, now)
    video_raws, videos = _videos(rng, users, now)
    gyms = _gyms(now)
    sessions = _sessions(rng, users, gyms, now)
    assert users[1].id is not None
    stamp_logbook(sessions, users[1].id)
    await _insert(db, "users", [_dump(u) for u in users])
    await _insert(db, "videos", video_raws)
    await _insert(db, "gyms", [_dump(g) for g in gyms])
    await _insert(db, "sessions", [_dump(s) for s in sessions])
    assert gyms[0].id is not None
    reads = await seed_reads(db, users, video_raws, gyms[0].id, now)

    def cursor_before(position: int) -> str:
        video = videos[position - 1]
        assert video.id is not None
        return encode_cursor(video.created_at, video.id)

    special = {*range(HOT_AT, HOT_AT + PAGE), *FIRST_PAGE_HOT}
    return Fixture(
        viewer_ids=[str(u.id) for u in users[:VIEWERS]],
        viewer_emails=[u.email for u in users[:VIEWERS]],
        login_emails=[u.email for u in users[ACTIVE : ACTIVE + 100]],
        password=PASSWORD,
        video_ids=[str(v.id) for i, v in enumerate(videos) if i not in special],
        hot_cursor=cursor_before(HOT_AT),
        cold_cursor=cursor_before(COLD_AT),
        counts={
            "users": len(users),
            "videos": len(videos),
            "likes": sum(raw["like_count"] for raw in video_raws),
            "videos_with_10k_likes": sum(raw["like_count"] >= HOT_LIKES for raw in video_raws),
            "sessions": len(sessions),
            "croix": sum(len(s.croix) for s in sessions),
        },
        reads=reads,
    )
