"""`make seed`: demo data that makes the app look alive, on a development database.

Ten climbers (hashed passwords, generated avatars), four gyms, sessions with their croix,
videos with likes. Accounts and videos go through the repositories and models, as the
API writes them. Seeding twice does nothing the second time (the demo accounts are
found and listed again); `make reset` starts over.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from beanie import PydanticObjectId

from api.console import Opened
from api.settings import Settings
from api.wiring import storage_config, storage_from
from kit.clock import midnight_utc
from kit.passwords import PasswordHasher
from models.audience import Audience
from models.climb_session import ClimbSession, CroixEntry
from models.statuses import FLASH, PROJECT, TOP
from rules.accounts import normalize_email, normalize_pseudo
from rules.logbook import clean_gym_name
from storage.kinds import MediaKind
from storage.service import MediaStorage
from tools import demo_media
from tools.cli import fail, load_settings
from tools.embedded_db import EmbeddedDatabaseError
from tools.published_api import with_running_base_url
from tools.standalone import open_database

T = TypeVar("T")

DEMO_PASSWORD = "boulder-demo"  # noqa: S105 - the published password of demo accounts
DEMO_EMAIL_DOMAIN = "example.com"

CLIMBERS: tuple[tuple[str, str], ...] = (
    ("ada", "Slabs and sunsets. Font every weekend it doesn't rain."),
    ("bruno", "Crimps only. Finger tape is a lifestyle."),
    ("chloe", "Projecting my first 7A, one session at a time."),
    ("dario", "Setter by day, dyno enthusiast by night."),
    ("emma", "Came for the cardio, stayed for the beta."),
    ("farid", "Heel hooks solve everything."),
    ("gaelle", "Slab queen. Volumes are not holds, fight me."),
    ("hugo", "Lunch-break climber."),
    ("ines", "Back from a finger injury, taking it slow."),
    ("jules", "Overhangs, compression, big moves."),
)
GYMS: tuple[tuple[str, str], ...] = (
    ("Le Bloc Bastille", "Paris"),
    ("Grimpe Canal", "Paris"),
    ("Volume Gerland", "Lyon"),
    ("La Dalle", "Nantes"),
)
GRADES = ("5", "5+", "6A", "6A+", "6B", "6B+", "6C", "6C+", "7A", "7A+")
COLORS = ("yellow", "green", "blue", "red", "black", "purple", "orange", "pink")
STATUSES = (FLASH, TOP, TOP, PROJECT)  # mostly sends, as real logbooks
CAPTIONS = (
    "Finally stuck the crux!",
    "Beta in the comments",
    "Flashed it, still shaking",
    "Three sessions on this one",
    "New set, first go",
    None,
)


@dataclass
class Climber:
    id: PydanticObjectId
    email: str
    pseudo: str
    # (session id, its croix) of their logbook, for videos to point at
    sessions: list[tuple[PydanticObjectId, list[CroixEntry]]] = field(default_factory=list)


def _pick(options: tuple[T, ...], *indexes: int) -> T:
    """A deterministic choice, so every seed gives the same demo."""
    return options[sum(i * (k + 3) for k, i in enumerate(indexes)) % len(options)]


async def seed_climbers(opened: Opened, storage: MediaStorage) -> list[Climber]:
    hasher = PasswordHasher(max_concurrent=2)
    password_hash = await hasher.hash(DEMO_PASSWORD)  # one argon2id hash, shared by all
    climbers: list[Climber] = []
    for n, (pseudo, bio) in enumerate(CLIMBERS):
        email, email_key = normalize_email(f"{pseudo}@{DEMO_EMAIL_DOMAIN}")
        pseudo, pseudo_key = normalize_pseudo(pseudo)
        user = await opened.repos.users.create(
            email=email,
            email_normalized=email_key,
            pseudo=pseudo,
            pseudo_normalized=pseudo_key,
            password_hash=password_hash,
        )
        assert user.id is not None
        color = demo_media.HOLD_RGB[_pick(COLORS, n)]
        avatar = await demo_media.store(
            storage, MediaKind.AVATAR, str(user.id), "image/png", demo_media.png(color)
        )
        await opened.repos.users.update_profile(user.id, {"avatar_url": avatar, "bio": bio})
        climbers.append(Climber(user.id, email, pseudo))
    return climbers


# --- The logbook -------------------------------------------------------------------


async def seed_logbook(
    opened: Opened,
    storage: MediaStorage,
    climbers: list[Climber],
    now: datetime,
) -> tuple[int, int, int]:
    """Gyms, then 2-3 sessions per climber holding 2-4 croix each; fills `Climber.sessions`.

    Returns (gyms, sessions, croix) counts.
    """
    gym_ids: list[PydanticObjectId] = []
    for name, location in GYMS:
        name, name_key = clean_gym_name(name)
        gym = await opened.repos.gyms.create(
            name=name, name_normalized=name_key, location=location, created_by=climbers[0].id
        )
        assert gym.id is not None
        gym_ids.append(gym.id)
    sessions = croix_total = 0
    for c, climber in enumerate(climbers):
        for s in range(2 + c % 2):
            day = (now - timedelta(days=3 + 6 * s + c)).date()
            croix = [await _croix(storage, climber, c, s, k, day) for k in range(2 + (c + s) % 3)]
            session = await opened.repos.sessions.create(
                ClimbSession(
                    user_id=climber.id,
                    date=midnight_utc(day),
                    gym_id=gym_ids[(c + s) % len(gym_ids)],
                    feeling=1 + (c * 2 + s) % 5,
                    notes=_pick(("Strong day", "Tired fingers", None, "Worked the new set"), c, s),
                    croix=croix,
                    created_at=midnight_utc(day) + timedelta(hours=20),
                )
            )
            assert session.id is not None
            climber.sessions.append((session.id, croix))
            sessions += 1
            croix_total += len(croix)
    return len(gym_ids), sessions, croix_total


async def _croix(
    storage: MediaStorage, climber: Climber, c: int, s: int, k: int, day: date
) -> CroixEntry:
    color = _pick(COLORS, c, s, k)
    photo = demo_media.png(demo_media.HOLD_RGB[color], size=96, stripe=(255, 255, 255))
    return CroixEntry(
        photo_url=await demo_media.store(
            storage, MediaKind.PHOTO, str(climber.id), "image/png", photo
        ),
        color=color,
        grade=_pick(GRADES, c, s, k),
        status=_pick(STATUSES, c, k, s),
        notes=_pick(("Heel hook on the left", None, "Skipped the start hold", None), k, c),
        created_at=midnight_utc(day) + timedelta(hours=18, minutes=10 * k),
    )


# --- Videos and likes ----------------------------------------------------------------


async def seed_videos(
    opened: Opened, storage: MediaStorage, climbers: list[Climber], now: datetime
) -> tuple[int, int]:
    """2-3 videos per climber (some from a logbook session), liked by others.

    Returns (videos, likes) counts.
    """
    videos = likes = 0
    for c, climber in enumerate(climbers):
        for v in range(2 + (c + 1) % 2):
            # Most videos film a croix of a logbook session; some stand alone, as the app
            # allows.
            session_id, croix = climber.sessions[v % len(climber.sessions)]
            climb = croix[0] if v != 1 else None
            video = await opened.repos.videos.create(
                user_id=climber.id,
                video_url=await demo_media.store(
                    storage,
                    MediaKind.VIDEO,
                    str(climber.id),
                    "video/mp4",
                    demo_media.placeholder_video(),
                ),
                caption=_pick(CAPTIONS, c, v),
                color=climb.color if climb else _pick(COLORS, v, c),
                grade=climb.grade if climb else _pick(GRADES, v, c),
                status=climb.status if climb else _pick(STATUSES, v, c),
                session_id=session_id if climb else None,
                croix_id=climb.id if climb else None,
                # Spread over the last days, climbers interleaved, so the feed reads
                # like a week of climbing.
                created_at=(now - timedelta(hours=4 * (v * len(CLIMBERS) + c) + 1)).replace(
                    microsecond=0
                ),
            )
            videos += 1
            for f, fan in enumerate(climbers):
                if fan.id != climber.id and (f * 3 + c * 5 + v) % 4 != 0:
                    owner = await opened.repos.videos.like(
                        video.id, fan.id, Audience(viewer_id=fan.id)
                    )
                    likes += owner is not None
    return videos, likes


async def seed_follows(opened: Opened, climbers: list[Climber]) -> int:
    """Each climber follows four others, so the following feed has something to show."""
    follows = 0
    for c, climber in enumerate(climbers):
        for step in (1, 2, 4, 7):
            followee = climbers[(c + step) % len(climbers)]
            follows += await opened.repos.follows.follow(climber.id, followee.id)
    return follows


async def seed(settings: Settings) -> list[str]:
    """Seed the database once; returns the report lines to print."""
    storage = storage_from(settings, settings.resolved_jwt_secret())
    try:
        async with open_database(settings) as opened:
            first_email = normalize_email(f"{CLIMBERS[0][0]}@{DEMO_EMAIL_DOMAIN}")[1]
            if await opened.repos.users.by_email(first_email) is not None:
                return [
                    f"Demo data is already in {settings.mongodb_db!r} (nothing added; "
                    "`make reset` wipes the local data to start over).",
                    *_logins(),
                ]
            now = datetime.now(UTC)
            climbers = await seed_climbers(opened, storage)
            gyms, sessions, croix = await seed_logbook(opened, storage, climbers, now)
            videos, likes = await seed_videos(opened, storage, climbers, now)
            follows = await seed_follows(opened, climbers)
    finally:
        await storage.close()
    return [
        f"Seeded {settings.mongodb_db!r}: {len(climbers)} users, {gyms} gyms, "
        f"{sessions} sessions ({croix} croix), {videos} videos ({likes} likes), "
        f"{follows} follows.",
        f"Demo media are served by the API at {settings.base_url}/media/.",
        *_logins(),
    ]


def _logins() -> list[str]:
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    lines += [f"  {pseudo + '@' + DEMO_EMAIL_DOMAIN:<22} ({pseudo})" for pseudo, _ in CLIMBERS]
    return lines


def main() -> None:
    # Media URLs are made on the running service's base URL, not this process's defaults.
    settings = with_running_base_url(load_settings())
    if settings.is_production:
        fail("make seed writes demo accounts with a published password: not in production")
    if storage_config(settings, "").r2.wanted:
        fail("make seed writes its demo media to the local storage: unset the R2_* settings")
    try:
        report = asyncio.run(seed(settings))
    except EmbeddedDatabaseError as error:
        fail(str(error))
    print("\n".join(report))


if __name__ == "__main__":
    main()
