"""One climber's data as a JSON document: what `exportMyData` stores for download.

The shape is documented by `docs/export.schema.json` (a JSON Schema, checked by the
tests): the account, the public profile, sessions with their croix, videos with their
like counts (never who liked them), follows both ways, comments written, the videos
liked, projects, and every media URL. Nothing of another climber's but what they show
everyone: their id and pseudo on a follow, and the id, author and URL of a video liked,
the last two only while the climber may still see it (models.audience: no block either
way, a visibility that admits them, nothing withholding it); otherwise only the id of
what they liked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from beanie import PydanticObjectId

from kit.clock import utcnow
from models.projects import ProjectData
from models.registry import Repositories
from models.user import UserDocument

FORMAT = "perfect-boulder-export"
VERSION = 1
# More than any climber has; `book` needs a bound.
PROJECTS_MAX = 100_000
_CARDS_PER_QUERY = 1000


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _day(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).date().isoformat()


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


def _croix(raw: Mapping[str, Any]) -> dict[str, Any]:
    sent = raw.get("sent")
    return {
        "id": _id(raw["id"]),
        "photo_url": raw["photo_url"],
        "color": raw["color"],
        "grade": raw["grade"],
        "status": raw["status"],
        "notes": raw.get("notes"),
        "created_at": iso(raw.get("created_at")),
        "project_sent": None
        if not sent
        else {
            "croix_id": _id(sent["croix_id"]),
            "session_id": _id(sent["session_id"]),
            "day": _day(sent["day"]),
            "at": iso(sent["at"]),
        },
    }


def _session(raw: Mapping[str, Any], gyms: Mapping[Any, str]) -> dict[str, Any]:
    return {
        "id": _id(raw["_id"]),
        "date": _day(raw["date"]),
        "gym_id": _id(raw.get("gym_id")),
        "gym_name": gyms.get(raw.get("gym_id")),
        "feeling": raw.get("feeling"),
        "notes": raw.get("notes"),
        "created_at": iso(raw.get("created_at")),
        "croix": [_croix(item) for item in raw.get("croix", [])],
    }


def _video(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": _id(raw["_id"]),
        "video_url": raw["video_url"],
        "caption": raw.get("caption"),
        "color": raw["color"],
        "grade": raw["grade"],
        "status": raw["status"],
        "session_id": _id(raw.get("session_id")),
        "croix_id": _id(raw.get("croix_id")),
        "like_count": int(raw.get("like_count", 0)),
        "created_at": iso(raw.get("created_at")),
        "sent_at": iso(raw.get("sent_at")),
    }


def _project(data: ProjectData) -> dict[str, Any]:
    return {
        "first_croix_id": _id(data.first_croix_id),
        "gym_id": _id(data.gym_id),
        "color": data.color,
        "grade": data.grade,
        "attempts": data.attempts,
        "sessions_spent": data.sessions_spent,
        "days_spent": data.days_spent,
        "first_tried_on": _day(data.first_tried_on),
        "last_tried_on": _day(data.last_tried_on),
        "sent_on": _day(data.sent_on),
        "sent_croix_id": _id(data.sent_croix_id),
    }


async def _pseudos(repos: Repositories, ids: Iterable[PydanticObjectId]) -> dict[Any, str]:
    wanted = list(dict.fromkeys(ids))
    found: dict[Any, str] = {}
    for start in range(0, len(wanted), _CARDS_PER_QUERY):
        for card in await repos.users.cards(wanted[start : start + _CARDS_PER_QUERY]):
            found[card.id] = card.pseudo
    return found


async def _follows(repos: Repositories, user_id: PydanticObjectId, *, followers: bool) -> list[Any]:
    edges = await repos.follows.all_edges(user_id, followers=followers)
    pseudos = await _pseudos(repos, (other for other, _ in edges))
    return [
        {"id": str(other), "pseudo": pseudos.get(other), "since": iso(since)}
        for other, since in edges
    ]


def _liked(
    raw: Mapping[str, Any], shown: bool, authors: Mapping[PydanticObjectId, str | None]
) -> dict[str, Any]:
    return {
        "id": str(raw["_id"]),
        "author_id": str(raw["user_id"]) if shown else None,
        "author_pseudo": authors.get(raw["user_id"]) if shown else None,
        "video_url": raw["video_url"] if shown else None,
    }


async def export_document(
    repos: Repositories, user: UserDocument, *, today: datetime
) -> dict[str, Any]:
    """Everything the climber owns, as the export's JSON document."""
    assert user.id is not None
    user_id = user.id
    sessions = await repos.sessions.all_for_export(user_id)
    gym_ids = list({raw["gym_id"] for raw in sessions if raw.get("gym_id") is not None})
    gyms = {gym.id: gym.name for gym in await repos.gyms.get_many(gym_ids)}
    videos = [_video(raw) for raw in await repos.videos.owned_for_export(user_id)]
    liked = await repos.videos.liked_by(user_id)
    shown = await repos.videos.shown_among(
        [raw["_id"] for raw in liked], await repos.audience.of(user_id)
    )
    authors = await _pseudos(repos, (raw["user_id"] for raw in liked if raw["_id"] in shown))
    open_projects, sent_projects = await repos.projects.book(
        user_id, today=today, limit=PROJECTS_MAX
    )
    exported_sessions = [_session(raw, gyms) for raw in sessions]
    media = [user.avatar_url] if user.avatar_url else []
    media += [c["photo_url"] for s in exported_sessions for c in s["croix"]]
    media += [v["video_url"] for v in videos]
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": iso(utcnow()),
        "account": {
            "id": str(user_id),
            "email": user.email,
            "created_at": iso(user.created_at),
            "terms_version": user.terms_version,
            "terms_accepted_at": iso(user.terms_accepted_at),
            "logbook_visibility": user.logbook_visibility,
        },
        "profile": {
            "pseudo": user.pseudo,
            "bio": user.bio,
            "avatar_url": user.avatar_url,
            "follower_count": user.follower_count,
            "following_count": user.following_count,
        },
        "sessions": exported_sessions,
        "videos": videos,
        "followers": await _follows(repos, user_id, followers=True),
        "following": await _follows(repos, user_id, followers=False),
        "comments": [
            {
                "id": str(raw["_id"]),
                "video_id": str(raw["video_id"]),
                "text": raw["text"],
                "reply_to": _id(raw.get("reply_to")),
                "created_at": iso(raw.get("created_at")),
            }
            for raw in await repos.comments.authored_for_export(user_id)
        ],
        "liked_videos": [_liked(raw, raw["_id"] in shown, authors) for raw in liked],
        "projects": {
            "open": [_project(p) for p in open_projects],
            "sent": [_project(p) for p in sent_projects],
        },
        "media": list(dict.fromkeys(media)),
    }
