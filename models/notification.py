"""The notifications inbox: the `notifications` collection, one document per entry.

    {user_id,            # whom it is for
     kind,               # LIKE FOLLOW COMMENT REPLY MENTION MODERATION
     group_key,          # unique per recipient: what a repeat lands on
     actors: [ids],      # who did it, oldest first (a LIKE group gathers many)
     video_id, comment_id, action,
     created_at, updated_at, read, expires_at}

A LIKE is grouped per video and per (UTC) day: `group_key` "LIKE:<video>:<day>", and
each like is one upsert adding its actor with `$addToSet` (an unlike `$pull`s it), so
concurrent likes never lose an actor and a repeat adds none; the unique index on
(user_id, group_key) makes concurrent first likes meet on one document. Every other
kind is one document per event (its key names the event: a comment, a follower).

The inbox reads newest first by `updated_at` (a group that gains an actor comes back
to the top, unread again). Who the reader may not see (blocks either way, read from
their audience) is left out inside the query: their ids are filtered out of `actors`,
and an entry left with none is not listed nor counted.

A TTL index on `expires_at` forgets entries NOTIFICATIONS_TTL_DAYS after their last
change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from beanie import Document, PydanticObjectId
from bson import ObjectId
from pydantic import Field
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from kit.clock import utcnow_ms
from models.audience import Audience
from models.keyset import PageKey

LIKE, FOLLOW, COMMENT, REPLY, MENTION, MODERATION = (
    "LIKE", "FOLLOW", "COMMENT", "REPLY", "MENTION", "MODERATION",
)  # fmt: skip
KINDS = (LIKE, FOLLOW, COMMENT, REPLY, MENTION, MODERATION)
ACTORS_SHOWN_MAX = 50  # `actors(first:)` at most; the count is always whole


class NotificationDocument(Document):
    user_id: PydanticObjectId
    kind: str
    group_key: str
    actors: list[PydanticObjectId] = Field(default_factory=list)
    video_id: PydanticObjectId | None = None
    comment_id: PydanticObjectId | None = None
    # For MODERATION: what was done (HIDE, RESTORE, ...), and whether to the reader's
    # content or on their report.
    action: str | None = None
    created_at: datetime = Field(default_factory=utcnow_ms)
    updated_at: datetime = Field(default_factory=utcnow_ms)
    read: bool = False
    expires_at: datetime

    class Settings:
        name = "notifications"
        indexes = [
            IndexModel(
                [("user_id", ASCENDING), ("group_key", ASCENDING)],
                unique=True,
                name="one_per_group",
            ),
            # The inbox, newest first; also "up to this one" for read marks.
            IndexModel(
                [("user_id", ASCENDING), ("updated_at", DESCENDING), ("_id", DESCENDING)],
                name="inbox_newest_first",
            ),
            # The unread count and "mark all read".
            IndexModel([("user_id", ASCENDING), ("read", ASCENDING)], name="unread"),
            # Withdrawals: a deleted comment's, an unliked video's.
            IndexModel([("comment_id", ASCENDING)], name="by_comment", sparse=True),
            IndexModel([("video_id", ASCENDING)], name="by_video", sparse=True),
            # An erased account's: those it received are `user_id`'s; those it caused.
            IndexModel([("actors", ASCENDING)], name="by_actor"),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="ttl"),
        ]


@dataclass(frozen=True, slots=True)
class NotificationView:
    """An entry as its reader sees it: the actors they may see, the most recent first
    (as the driver decoded them: a page holds up to ACTORS_SHOWN_MAX an entry, and
    wrapping each in a PydanticObjectId was a tenth of an inbox page's work)."""

    id: PydanticObjectId
    kind: str
    actors: tuple[ObjectId, ...]
    actor_count: int
    video_id: PydanticObjectId | None
    comment_id: PydanticObjectId | None
    action: str | None
    created_at: datetime
    updated_at: datetime
    read: bool

    @property
    def key(self) -> PageKey:
        return (self.updated_at, self.id)


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened to `user_id`, to note in their inbox."""

    user_id: PydanticObjectId
    kind: str
    group_key: str
    actor: PydanticObjectId | None = None
    video_id: PydanticObjectId | None = None
    comment_id: PydanticObjectId | None = None
    action: str | None = None


def _collection() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = NotificationDocument.get_pymongo_collection()
    return collection


def _visible_actors(audience: Audience) -> Any:
    """`actors` without those hidden from the reader (blocks either way)."""
    if not audience.hidden_users:
        return "$actors"
    hidden = sorted(audience.hidden_users)
    return {"$filter": {"input": "$actors", "cond": {"$not": [{"$in": ["$$this", hidden]}]}}}


def _shown_stages(audience: Audience) -> list[dict[str, Any]]:
    """Stages leaving out what the reader may not see: hidden actors, and entries with
    actors left to show none (an entry without actors, MODERATION, always shows)."""
    if not audience.hidden_users:
        return [{"$addFields": {"_shown": "$actors"}}]
    return [
        {"$addFields": {"_shown": _visible_actors(audience)}},
        {"$match": {"$or": [{"actors.0": {"$exists": False}}, {"_shown.0": {"$exists": True}}]}},
    ]


def _optional_id(raw: Any) -> PydanticObjectId | None:
    return None if raw is None else PydanticObjectId(raw)


def _view(raw: Mapping[str, Any]) -> NotificationView:
    return NotificationView(
        id=PydanticObjectId(raw["_id"]),
        kind=raw["kind"],
        actors=tuple(reversed(raw.get("_shown") or ())),  # the most recent first
        actor_count=int(raw["_count"]),
        video_id=_optional_id(raw.get("video_id")),
        comment_id=_optional_id(raw.get("comment_id")),
        action=raw.get("action"),
        created_at=raw["created_at"],
        updated_at=raw["updated_at"],
        read=bool(raw.get("read")),
    )


class NotificationRepository:
    async def note(self, event: Event, expires_at: datetime) -> PydanticObjectId | None:
        """Write the event into its entry (a new one, or its group's), unread, on top;
        the entry's id, or None if nothing changed (the actor was in the group already)."""
        now = utcnow_ms()
        match = {"user_id": event.user_id, "group_key": event.group_key}
        update: dict[str, Any] = {
            "$set": {"updated_at": now, "read": False, "expires_at": expires_at},
            "$setOnInsert": {
                "kind": event.kind, "video_id": event.video_id, "comment_id": event.comment_id,
                "action": event.action, "created_at": now,
            },
        }  # fmt: skip
        if event.actor is not None:
            update["$addToSet"] = {"actors": event.actor}
            match["actors"] = {"$ne": event.actor}  # a repeat changes nothing
        for _ in range(3):  # concurrent first writes of a group: one inserts, others update
            try:
                raw = await _collection().find_one_and_update(
                    match, update, upsert=True, projection={"_id": 1},
                    return_document=ReturnDocument.AFTER,
                )  # fmt: skip
            except DuplicateKeyError:
                # Lost the insert race, or the actor is in already (the guard left the
                # group out, and the upsert collided with it).
                if event.actor is not None and await self._has_actor(event):
                    return None
                continue
            if raw is None:  # SecantusDB may answer null to an upsert that inserted
                return await self._id_of(event)
            return PydanticObjectId(raw["_id"])
        return None

    async def _has_actor(self, event: Event) -> bool:
        found = await _collection().find_one(
            {"user_id": event.user_id, "group_key": event.group_key, "actors": event.actor},
            projection={"_id": 1},
        )
        return found is not None

    async def _id_of(self, event: Event) -> PydanticObjectId | None:
        found = await _collection().find_one(
            {"user_id": event.user_id, "group_key": event.group_key}, projection={"_id": 1}
        )
        return None if found is None else PydanticObjectId(found["_id"])

    async def withdraw(
        self, user_id: PydanticObjectId, group_key: str, actor: PydanticObjectId
    ) -> None:
        """Take `actor` out of the recipient's entry under `group_key`, deleting it once
        no actor is left."""
        await self._withdraw({"user_id": user_id, "group_key": group_key}, actor)

    async def withdraw_like(
        self, user_id: PydanticObjectId, video_id: PydanticObjectId, actor: PydanticObjectId
    ) -> None:
        """Take `actor` out of the recipient's LIKE groups of the video (whatever day)."""
        await self._withdraw({"video_id": video_id, "user_id": user_id, "kind": LIKE}, actor)

    async def _withdraw(self, match: dict[str, Any], actor: PydanticObjectId) -> None:
        # Each document's `$pull` and the deletion guarded on an empty list are atomic:
        # a like landing in between keeps its group (or, after the deletion, opens one).
        await _collection().update_many({**match, "actors": actor}, {"$pull": {"actors": actor}})
        await _collection().delete_many({**match, "actors": {"$size": 0}})

    async def actor_count(self, entry_id: PydanticObjectId) -> int | None:
        """How many actors the entry has now; None once it is gone (withdrawn)."""
        raw = await _collection().find_one({"_id": entry_id}, projection={"actors": 1})
        return None if raw is None else len(raw.get("actors") or ())

    async def delete_for_comments(self, comment_ids: Sequence[PydanticObjectId]) -> int:
        if not comment_ids:
            return 0
        gone = await _collection().delete_many({"comment_id": {"$in": list(comment_ids)}})
        return gone.deleted_count

    async def page(
        self, *, audience: Audience, first: int, after: PageKey | None
    ) -> tuple[list[NotificationView], bool]:
        """The reader's entries, newest first, without what they may not see."""
        assert audience.viewer_id is not None
        match: dict[str, Any] = {"user_id": audience.viewer_id}
        if after is not None:
            at, entry_id = after
            match["$or"] = [
                {"updated_at": {"$lt": at}},
                {"updated_at": at, "_id": {"$lt": entry_id}},
            ]
        pipeline = [
            {"$match": match},
            {"$sort": {"updated_at": -1, "_id": -1}},
            *_shown_stages(audience),
            {"$limit": first + 1},
            # Counted and cut in the database: a LIKE group may hold thousands of actors,
            # and decoding every one of them was most of an inbox page's cost
            # (bench/RESULTS.md, "the new read paths").
            # (`$ifNull`: a MODERATION entry has no actors, and `$size` takes arrays only.)
            {"$addFields": {"_count": {"$size": {"$ifNull": ["$_shown", []]}},
                            "_shown": {"$slice": [{"$ifNull": ["$_shown", []]},
                                                  -ACTORS_SHOWN_MAX]}}},
            {"$project": {"actors": 0}},
        ]  # fmt: skip
        cursor = await _collection().aggregate(pipeline)
        found = [_view(raw) async for raw in cursor]
        return found[:first], len(found) > first

    async def unread_count(self, audience: Audience) -> int:
        assert audience.viewer_id is not None
        pipeline = [
            {"$match": {"user_id": audience.viewer_id, "read": False}},
            *_shown_stages(audience),
            {"$count": "n"},
        ]
        cursor = await _collection().aggregate(pipeline)
        found = await cursor.to_list()
        return int(found[0]["n"]) if found else 0

    async def mark_read(self, user_id: PydanticObjectId, up_to: PageKey | None) -> int:
        """Mark read the reader's unread entries (up to and including `up_to`, in inbox
        order, when given); how many changed."""
        match: dict[str, Any] = {"user_id": user_id, "read": False}
        if up_to is not None:
            at, entry_id = up_to
            match["$or"] = [
                {"updated_at": {"$lt": at}},
                {"updated_at": at, "_id": {"$lte": entry_id}},
            ]
        result = await _collection().update_many(match, {"$set": {"read": True}})
        return result.modified_count

    async def position(
        self, user_id: PydanticObjectId, entry_id: PydanticObjectId
    ) -> PageKey | None:
        """Where the reader's entry sits in their inbox; None if it is not theirs."""
        raw = await _collection().find_one(
            {"_id": entry_id, "user_id": user_id}, projection={"updated_at": 1}
        )
        return None if raw is None else (raw["updated_at"], entry_id)

    async def erase_batch(self, user_id: PydanticObjectId, limit: int) -> int:
        """Delete up to `limit` entries the user received, or failing those, take the
        user out of entries they caused (deleting those left empty); how many."""
        cursor = _collection().find({"user_id": user_id}, {"_id": 1}).limit(limit)
        ids = [raw["_id"] async for raw in cursor]
        if ids:
            await _collection().delete_many({"_id": {"$in": ids}})
            return len(ids)
        cursor = _collection().find({"actors": user_id}, {"_id": 1}).limit(limit)
        ids = [raw["_id"] async for raw in cursor]
        if ids:
            await _collection().update_many({"_id": {"$in": ids}}, {"$pull": {"actors": user_id}})
            await _collection().delete_many({"_id": {"$in": ids}, "actors": {"$size": 0}})
        return len(ids)
