"""Project journeys: from the first PROJECT croix on a problem to the day it goes.

The data model, on the croix embedded in sessions (no collection of its own):
- an *attempt* is a croix with status PROJECT; the open attempts of one climber on one
  gym + hold colour + grade are one *open project*, however many sessions they span;
- the *send* is a croix of its own, TOP or FLASH, counted by stats like any other;
- sending *closes* the project: every open attempt of that gym + colour + grade, in
  sessions dated up to the send's day, gets `sent`: {croix_id, session_id, day, at}
  of the send (models.climb_session.ProjectSend). Attempts that share a
  `sent.croix_id` are one *sent project*; later attempts on the same tape open a new one.

Durations are whole days between session days (all stored at midnight UTC), computed by
MongoDB (`$dateDiff`), like everything else here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from beanie import PydanticObjectId
from pymongo.asynchronous.collection import AsyncCollection

from models.climb_session import ClimbSession, CroixEntry, ProjectSend
from models.statuses import PROJECT


class Attempt(NamedTuple):
    """A croix with the session holding it: where (gym) and which day."""

    user_id: PydanticObjectId
    session_id: PydanticObjectId
    gym_id: PydanticObjectId | None
    day: dt.datetime
    entry: CroixEntry


class Place(NamedTuple):
    gym_id: PydanticObjectId | None
    day: dt.datetime


@dataclass(frozen=True, slots=True)
class ProjectData:
    first_croix_id: PydanticObjectId
    gym_id: PydanticObjectId | None
    color: str
    grade: str
    attempts: int
    sessions_spent: int
    days_spent: int
    first_tried_on: dt.datetime
    last_tried_on: dt.datetime
    sent_at: dt.datetime | None
    sent_on: dt.datetime | None
    sent_in_session_id: PydanticObjectId | None
    sent_croix_id: PydanticObjectId | None


def _sessions() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = ClimbSession.get_pymongo_collection()
    return collection


def _open_attempt(color: str, grade: str, prefix: str) -> dict[str, Any]:
    # `sent: None` also matches croix logged before journeys existed (no such field).
    return {f"{prefix}status": PROJECT, f"{prefix}color": color, f"{prefix}grade": grade,
            f"{prefix}sent": None}  # fmt: skip


def _journeys(user_id: PydanticObjectId, today: dt.datetime, extra: dict[str, Any]) -> list[Any]:
    """Attempts grouped into projects, with their counts and durations."""
    key = {
        "gym_id": {"$ifNull": ["$gym_id", None]},  # a missing gym and a null one: one group
        "color": "$croix.color",
        "grade": "$croix.grade",
        "send": {"$ifNull": ["$croix.sent.croix_id", None]},
    }
    return [
        {"$match": {"user_id": user_id}},
        {"$unwind": "$croix"},
        {"$match": {"croix.status": PROJECT, **extra}},
        {"$sort": {"date": 1, "croix.created_at": 1, "croix.id": 1}},
        {
            "$group": {
                "_id": key,
                "first_croix_id": {"$first": "$croix.id"},
                "first_tried_on": {"$min": "$date"},
                "last_tried_on": {"$max": "$date"},
                "sessions": {"$addToSet": "$_id"},
                "attempts": {"$sum": 1},
                # One send per group (it is in the key): $max just picks it.
                "sent_at": {"$max": "$croix.sent.at"},
                "sent_on": {"$max": "$croix.sent.day"},
                "sent_in_session_id": {"$max": "$croix.sent.session_id"},
            }
        },
        {
            "$addFields": {
                # The send's session counts as one spent on the project (once).
                "sessions_spent": {
                    "$size": {
                        "$cond": [
                            {"$eq": ["$_id.send", None]},
                            "$sessions",
                            {"$setUnion": ["$sessions", ["$sent_in_session_id"]]},
                        ]
                    }
                },
                # Open: days so far (never negative for a session dated tomorrow);
                # sent: days from the first attempt to the send.
                "days_spent": {
                    "$max": [
                        0,
                        {
                            "$dateDiff": {
                                "startDate": "$first_tried_on",
                                "endDate": {"$ifNull": ["$sent_on", today]},
                                "unit": "day",
                            }
                        },
                    ]
                },
            }
        },
    ]


def _project(raw: dict[str, Any]) -> ProjectData:
    key = raw["_id"]
    return ProjectData(
        first_croix_id=PydanticObjectId(raw["first_croix_id"]),
        gym_id=key.get("gym_id"),
        color=key["color"],
        grade=key["grade"],
        attempts=int(raw["attempts"]),
        sessions_spent=int(raw["sessions_spent"]),
        days_spent=int(raw["days_spent"]),
        first_tried_on=raw["first_tried_on"],
        last_tried_on=raw["last_tried_on"],
        sent_at=raw.get("sent_at"),
        sent_on=raw.get("sent_on"),
        sent_in_session_id=raw.get("sent_in_session_id"),
        sent_croix_id=key.get("send"),
    )


class ProjectRepository:
    async def attempt(self, croix_id: PydanticObjectId) -> Attempt | None:
        """The croix `croix_id` with its session's owner, gym and day (whoever owns it)."""
        raw = await _sessions().find_one(
            {"croix.id": croix_id},
            {"user_id": 1, "gym_id": 1, "date": 1, "croix": {"$elemMatch": {"id": croix_id}}},
        )
        if raw is None or not raw.get("croix"):
            return None
        return Attempt(
            user_id=PydanticObjectId(raw["user_id"]),
            session_id=PydanticObjectId(raw["_id"]),
            gym_id=raw.get("gym_id"),
            day=raw["date"],
            entry=CroixEntry.model_validate(raw["croix"][0]),
        )

    async def place(self, session_id: PydanticObjectId) -> Place | None:
        """The gym and day of a session (loads no croix)."""
        raw = await _sessions().find_one({"_id": session_id}, {"gym_id": 1, "date": 1})
        return None if raw is None else Place(raw.get("gym_id"), raw["date"])

    async def close(
        self,
        user_id: PydanticObjectId,
        *,
        gym_id: PydanticObjectId | None,
        color: str,
        grade: str,
        send: ProjectSend,
    ) -> int:
        """Mark the open attempts that `send` tops as sent; the number of sessions touched.

        One `updateMany` with an array filter: each session is updated atomically, and
        only attempts still open are touched, so a repeat (a retried request) or a
        concurrent send changes nothing already closed.
        """
        result = await _sessions().update_many(
            {
                "user_id": user_id,
                "gym_id": gym_id,
                "date": {"$lte": send.day},
                "croix": {"$elemMatch": _open_attempt(color, grade, "")},
            },
            {"$set": {"croix.$[p].sent": send.model_dump()}},
            array_filters=[_open_attempt(color, grade, "p.")],
        )
        return result.modified_count

    async def book(
        self, user_id: PydanticObjectId, *, today: dt.datetime, limit: int
    ) -> tuple[list[ProjectData], list[ProjectData]]:
        """(open projects, most recently tried first; sent ones, most recently sent first)."""
        pipeline = [
            *_journeys(user_id, today, {}),
            {
                "$facet": {
                    "open": [
                        {"$match": {"_id.send": None}},
                        {"$sort": {"last_tried_on": -1, "first_croix_id": -1}},
                        {"$limit": limit},
                    ],
                    "sent": [
                        {"$match": {"_id.send": {"$ne": None}}},
                        {"$sort": {"sent_at": -1, "first_croix_id": -1}},
                        {"$limit": limit},
                    ],
                }
            },
        ]
        facets = (await (await _sessions().aggregate(pipeline)).to_list())[0]
        return [_project(r) for r in facets["open"]], [_project(r) for r in facets["sent"]]

    async def journey_of(self, attempt: Attempt, *, today: dt.datetime) -> ProjectData | None:
        """The project an attempt belongs to (as it stands: `attempt` read just before)."""
        sent = attempt.entry.sent
        extra = {
            "gym_id": attempt.gym_id,
            "croix.color": attempt.entry.color,
            "croix.grade": attempt.entry.grade,
            "croix.sent.croix_id": None if sent is None else sent.croix_id,
        }
        cursor = await _sessions().aggregate(_journeys(attempt.user_id, today, extra))
        found = await cursor.to_list()
        return _project(found[0]) if found else None

    async def journey_croix_ids(
        self, user_id: PydanticObjectId, send_croix_id: PydanticObjectId
    ) -> list[PydanticObjectId]:
        """The croix of the journey a send closed: its attempts, then the send itself.

        Empty when the send closed nothing (a send that was no project's).
        """
        closed = {"croix.sent.croix_id": send_croix_id}
        cursor = await _sessions().aggregate(
            [
                {"$match": {"user_id": user_id, **closed}},
                {"$unwind": "$croix"},
                {"$match": closed},
                {"$project": {"_id": 0, "id": "$croix.id"}},
            ]
        )
        attempts = [PydanticObjectId(raw["id"]) async for raw in cursor]
        return [*attempts, send_croix_id] if attempts else []
