"""The logbook: the `sessions` collection, each session holding its croix.

Croix are embedded in their session (product decision): adding one is a single atomic
`$push` guarded in its filter, never a read-modify-save of the array, so concurrent
ticks are never lost. Every query on sessions and croix lives in `ClimbSessionRepository`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple, TypedDict

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from kit.clock import midnight_utc, utcnow_ms
from models.keyset import DayKey, PageKey, strictly_after_day
from models.logbook_clock import LogbookClockRepository, Stamp
from models.tombstone import CROIX, SESSIONS, TombstoneRepository

# 100 croix is more than any climber ticks in a day (a whole competition is ~40
# problems); the cap keeps a session document, and a page of `mySessions`, bounded.
MAX_CROIX_PER_SESSION = 100
# Upsert races on the unique "day" index resolve on the first retry; the bound only
# stops a misbehaving server from looping forever.
_UPSERT_ATTEMPTS = 5


class ProjectSend(BaseModel):
    """The send that closed a project, as its attempts record it.

    One subdocument, written with a single `$set` path: a filter on a field set in the
    same update would stop the later paths (db_quirks.ARRAY_FILTER_REEVALUATED).
    """

    croix_id: PydanticObjectId  # the send: a TOP or FLASH croix of its own
    session_id: PydanticObjectId  # the session holding it
    day: dt.datetime  # that session's day (midnight UTC, as sessions' `date`)
    at: dt.datetime  # when the send was logged


class CroixEntry(BaseModel):
    """One logged send, embedded in its session's `croix` array."""

    id: PydanticObjectId = Field(default_factory=PydanticObjectId)
    photo_url: str
    color: str
    grade: str
    status: str  # FLASH / TOP / PROJECT, the names of the GraphQL enum
    notes: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow_ms)
    # Set by the phone so that a retried request does not log the croix twice.
    client_id: str | None = None
    # Project journeys (see models.projects), on croix of status PROJECT only: null
    # while the project is open, the send once it went.
    sent: ProjectSend | None = None
    # Sync (models.logbook_clock): the stamp of the last change of the croix' fields and
    # when it was made; null on croix logged before sync existed.
    change_seq: int | None = None
    updated_at: dt.datetime | None = None

    @property
    def sync_id(self) -> str:
        return sync_id(self.client_id, self.id)


class ClimbSession(Document):
    user_id: PydanticObjectId
    date: dt.datetime  # midnight UTC of the session's day, see `midnight_utc`
    gym_id: PydanticObjectId | None = None
    feeling: int | None = None
    notes: str | None = None
    croix: list[CroixEntry] = Field(default_factory=list)
    # True for the session createCroix opens on demand for "today": at most one per
    # user and day, enforced by a unique index restricted to these sessions.
    auto_created: bool = False
    client_id: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow_ms)
    # Sync (models.logbook_clock): the stamp of the last change of the session's own
    # fields and when it was made; `last_change_seq`, of the last change of anything in
    # the document (its croix too), which pulls look for. Null before sync existed.
    change_seq: int | None = None
    updated_at: dt.datetime | None = None
    last_change_seq: int | None = None

    class Settings:
        name = "sessions"
        indexes = [
            # A climber's sessions, newest day first, `_id` breaking the last ties (the
            # order mySessions lists them in).
            IndexModel(
                [
                    ("user_id", ASCENDING),
                    ("date", DESCENDING),
                    ("created_at", DESCENDING),
                    ("_id", DESCENDING),
                ],
                name="user_sessions_order",
            ),
            IndexModel(
                [("user_id", ASCENDING), ("date", ASCENDING)],
                unique=True,
                partialFilterExpression={"auto_created": True},
                name="auto_day_unique",
            ),
            IndexModel(
                [("user_id", ASCENDING), ("client_id", ASCENDING)],
                unique=True,
                partialFilterExpression={"client_id": {"$type": "string"}},
                name="client_id_unique",
            ),
            IndexModel([("croix.id", ASCENDING)], name="croix_id"),
            # A gym's sessions by day: the crowd's circuits, ladders and "also topped"
            # read one gym's days in a window (models.gym_crowd).
            IndexModel([("gym_id", ASCENDING), ("date", ASCENDING)], name="gym_days"),
            # What a sync pull asks: the user's sessions changed after a stamp.
            IndexModel(
                [("user_id", ASCENDING), ("last_change_seq", ASCENDING)], name="user_changes"
            ),
        ]


def sync_id(client_id: str | None, object_id: PydanticObjectId | None) -> str:
    """The id devices know a record by: the id the phone gave it, else its ObjectId."""
    return client_id if client_id is not None else str(object_id)


def stamped(stamp: Stamp, prefix: str = "") -> dict[str, Any]:
    """The `$set` of a change's stamp on a session (prefix "") or a croix."""
    return {f"{prefix}change_seq": stamp.seq, f"{prefix}updated_at": stamp.at}


class SessionChanges(TypedDict, total=False):
    """The fields of a session its owner may change (never its owner or bookkeeping)."""

    date: dt.datetime
    gym_id: PydanticObjectId | None
    feeling: int | None
    notes: str | None


class CroixChanges(TypedDict, total=False):
    """The fields of a croix its owner may change."""

    photo_url: str
    color: str
    grade: str
    status: str
    notes: str | None


class DayUnavailableError(RuntimeError):
    """Opening the day's session kept losing races: the database misbehaves."""


class LoggedCroix(NamedTuple):
    """A croix with the session holding it (what `myCroix` and croix mutations return)."""

    session_id: PydanticObjectId
    entry: CroixEntry


def _session(raw: dict[str, Any] | None) -> ClimbSession | None:
    return None if raw is None else ClimbSession.model_validate(raw)


def _only_croix(raw: dict[str, Any] | None, croix_id: PydanticObjectId) -> LoggedCroix | None:
    """The croix `croix_id` out of a raw session document, if it holds it."""
    if raw is None:
        return None
    for item in raw.get("croix", []):
        if item.get("id") == croix_id:
            return LoggedCroix(PydanticObjectId(raw["_id"]), CroixEntry.model_validate(item))
    return None


def _collection() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = ClimbSession.get_pymongo_collection()
    return collection


class ClimbSessionRepository:
    """Every write holds a lease on its owner's logbook clock and stamps what it changes
    (models.logbook_clock); a deletion leaves tombstones first (models.tombstone), so the
    sync's pulls see what the classic mutations do."""

    def __init__(
        self,
        clock: LogbookClockRepository | None = None,
        tombstones: TombstoneRepository | None = None,
    ) -> None:
        self.clock = clock or LogbookClockRepository()
        self.tombstones = tombstones or TombstoneRepository()

    # --- sessions -------------------------------------------------------------------

    async def create(self, session: ClimbSession) -> ClimbSession:
        """Insert a session; with a `client_id` already used, return that first session.

        The unique index on (user_id, client_id) decides between concurrent repeats:
        the loser reads back the winner's session.
        """
        if session.client_id is not None:
            earlier = await self.by_client_id(session.user_id, session.client_id)
            if earlier is not None:
                return earlier
        try:
            async with self.clock.lease(session.user_id) as stamp:
                session.change_seq = session.last_change_seq = stamp.seq
                session.updated_at = stamp.at
                await session.insert()
        except DuplicateKeyError:
            if session.client_id is None:
                raise
            earlier = await self.by_client_id(session.user_id, session.client_id)
            if earlier is None:
                raise
            return earlier
        return session

    async def by_client_id(self, user_id: PydanticObjectId, client_id: str) -> ClimbSession | None:
        return await ClimbSession.find_one({"user_id": user_id, "client_id": client_id})

    async def owner_of(self, session_id: PydanticObjectId) -> PydanticObjectId | None:
        """Who owns the session (None when there is no such session); loads no croix."""
        raw = await _collection().find_one({"_id": session_id}, {"user_id": 1})
        return None if raw is None else PydanticObjectId(raw["user_id"])

    async def list_for_user(
        self, user_id: PydanticObjectId, *, limit: int, offset: int
    ) -> list[ClimbSession]:
        """The user's sessions, newest day first (the latest created first within a day)."""
        return (
            await ClimbSession.find({"user_id": user_id})
            .sort("-date", "-created_at", "-_id")
            .skip(offset)
            .limit(limit)
            .to_list()
        )

    async def page_for_user(
        self, user_id: PydanticObjectId, *, first: int, after: DayKey | None
    ) -> tuple[list[ClimbSession], bool]:
        """Up to `first` of the user's sessions strictly after `after` (in mySessions'
        order), and whether more follow. Keyed on (date, created_at, _id), a total order
        served by `user_sessions_order`: a session logged while the climber pages lands
        before the cursor or after it, never shifting what comes next."""
        query: dict[str, Any] = {"user_id": user_id}
        if after is not None:
            query.update(strictly_after_day(after))
        found = (
            await ClimbSession.find(query)
            .sort("-date", "-created_at", "-_id")
            .limit(first + 1)
            .to_list()
        )
        return found[:first], len(found) > first

    async def update(
        self, session_id: PydanticObjectId, user_id: PydanticObjectId, changes: SessionChanges
    ) -> ClimbSession | None:
        """Apply a `$set` of validated fields to the user's session; None if it is gone."""
        async with self.clock.lease(user_id) as stamp:
            update: dict[str, Any] = {
                "$set": {**changes, **stamped(stamp)},
                "$max": {"last_change_seq": stamp.seq},
            }
            if "date" in changes:
                # Moved to another day, it is no longer "today's" session opened on
                # demand: leave the one-per-day index so it cannot collide with that
                # day's own.
                update["$set"]["auto_created"] = False
            raw = await _collection().find_one_and_update(
                {"_id": session_id, "user_id": user_id},
                update,
                return_document=ReturnDocument.AFTER,
            )
        return _session(raw)

    async def delete(self, session_id: PydanticObjectId, user_id: PydanticObjectId) -> bool:
        """Delete the user's session and its croix, their tombstones written first."""
        async with self.clock.lease(user_id) as stamp:
            return await self.delete_stamped(session_id, user_id, stamp)

    async def delete_stamped(
        self, session_id: PydanticObjectId, user_id: PydanticObjectId, stamp: Stamp
    ) -> bool:
        """`delete` under a lease the caller holds (a sync push's)."""
        raw = await _collection().find_one(
            {"_id": session_id, "user_id": user_id},
            {"client_id": 1, "croix.id": 1, "croix.client_id": 1},
        )
        if raw is None:
            return False
        croix_ids = [sync_id(item.get("client_id"), item["id"]) for item in raw.get("croix", [])]
        await self.tombstones.bury(user_id, CROIX, croix_ids, stamp)
        await self.tombstones.bury(
            user_id, SESSIONS, [sync_id(raw.get("client_id"), session_id)], stamp
        )
        result = await _collection().delete_one({"_id": session_id, "user_id": user_id})
        return result.deleted_count == 1

    async def day_session_id(self, user_id: PydanticObjectId, day: dt.date) -> PydanticObjectId:
        """The user's session for `day`, opened on demand when there is none.

        An existing session of that day (the latest created) is used as is. Otherwise
        an upsert on the unique (user_id, date) index of auto-created sessions makes
        concurrent callers converge on one session: a caller losing the insert race
        gets DuplicateKeyError and, retrying, finds the winner's session.
        """
        date = midnight_utc(day)
        existing = await _collection().find_one(
            {"user_id": user_id, "date": date},
            {"_id": 1},
            sort=[("created_at", DESCENDING), ("_id", DESCENDING)],
        )
        if existing is not None:
            return PydanticObjectId(existing["_id"])
        async with self.clock.lease(user_id) as stamp:
            return await self._open_day(user_id, day, date, stamp)

    async def _open_day(
        self, user_id: PydanticObjectId, day: dt.date, date: dt.datetime, stamp: Stamp
    ) -> PydanticObjectId:
        fresh = ClimbSession(
            user_id=user_id, date=date, auto_created=True, change_seq=stamp.seq,
            last_change_seq=stamp.seq, updated_at=stamp.at,
        )  # fmt: skip
        on_insert = fresh.model_dump(exclude={"id", "user_id", "date", "auto_created"})
        for _ in range(_UPSERT_ATTEMPTS):
            try:
                raw = await _collection().find_one_and_update(
                    {"user_id": user_id, "date": date, "auto_created": True},
                    {"$setOnInsert": on_insert},
                    projection={"_id": 1},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                continue  # lost the insert race (MongoDB): the retry matches the winner's
            if raw is not None:
                return PydanticObjectId(raw["_id"])
            # Null: a lost race (db_quirks.UPSERT_RACE_ANSWERS_NULL); retrying matches
            # the session the winner inserted.
        raise DayUnavailableError(f"could not open the session of {day.isoformat()}")

    # --- croix ----------------------------------------------------------------------

    async def push_croix(
        self, session_id: PydanticObjectId, user_id: PydanticObjectId, entry: CroixEntry
    ) -> CroixEntry | None:
        """Append a croix to the user's session in one atomic `$push`.

        The filter carries every condition, so concurrent pushes never lose one
        another: the session is the user's, is not full, and (with a client_id) holds
        no croix of that client_id yet. A repeat of a client_id returns the croix
        stored the first time. None: the session is gone, not the user's, or full.
        """
        where: dict[str, Any] = {
            "_id": session_id,
            "user_id": user_id,
            f"croix.{MAX_CROIX_PER_SESSION - 1}": {"$exists": False},
        }
        if entry.client_id is not None:
            where["croix.client_id"] = {"$ne": entry.client_id}
        async with self.clock.lease(user_id) as stamp:
            entry.change_seq, entry.updated_at = stamp.seq, stamp.at
            result = await _collection().update_one(
                where,
                {"$push": {"croix": entry.model_dump()}, "$max": {"last_change_seq": stamp.seq}},
            )
        if result.modified_count == 1:
            return entry
        if entry.client_id is None:
            return None
        earlier = await self.croix_by_client_id(user_id, entry.client_id)
        return None if earlier is None else earlier.entry

    async def croix_by_client_id(
        self, user_id: PydanticObjectId, client_id: str
    ) -> LoggedCroix | None:
        """The user's croix logged with this client_id, in whichever session it went."""
        raw = await _collection().find_one(
            {"user_id": user_id, "croix.client_id": client_id},
            {"croix": {"$elemMatch": {"client_id": client_id}}},
        )
        if raw is None or not raw.get("croix"):
            return None
        return LoggedCroix(PydanticObjectId(raw["_id"]), CroixEntry.model_validate(raw["croix"][0]))

    async def croix_owner(self, croix_id: PydanticObjectId) -> PydanticObjectId | None:
        """Who owns the session holding this croix (None when no session holds it)."""
        raw = await _collection().find_one({"croix.id": croix_id}, {"user_id": 1})
        return None if raw is None else PydanticObjectId(raw["user_id"])

    async def list_croix(
        self, user_id: PydanticObjectId, *, limit: int, offset: int
    ) -> list[LoggedCroix]:
        """Every croix of the user across sessions, newest first, in one aggregation."""
        pipeline: list[dict[str, Any]] = [
            {"$match": {"user_id": user_id}},
            {"$unwind": "$croix"},
            {"$sort": {"croix.created_at": -1, "croix.id": -1}},
            {"$skip": offset},
            {"$limit": limit},
            {"$project": {"_id": 1, "croix": 1}},
        ]
        cursor = await _collection().aggregate(pipeline)
        return [
            LoggedCroix(PydanticObjectId(raw["_id"]), CroixEntry.model_validate(raw["croix"]))
            async for raw in cursor
        ]

    async def croix_page(
        self, user_id: PydanticObjectId, *, first: int, after: PageKey | None
    ) -> tuple[list[LoggedCroix], bool]:
        """Up to `first` of the user's croix strictly after `after` (newest first, as
        myCroix), and whether more follow. Keyed on the croix' (created_at, id), which
        never change: croix logged while the climber pages sort before the cursor.
        Like myCroix, one aggregation over the climber's own sessions (the index's
        `user_id` prefix), whose croix are sorted in memory."""
        match: dict[str, Any] = {"user_id": user_id}
        after_stage: list[dict[str, Any]] = []
        if after is not None:
            created_at, croix_id = after
            # Sessions holding no croix that old need not be unwound.
            match["croix.created_at"] = {"$lte": created_at}
            after_stage = [
                {
                    "$match": {
                        "$or": [
                            {"croix.created_at": {"$lt": created_at}},
                            {"croix.created_at": created_at, "croix.id": {"$lt": croix_id}},
                        ]
                    }
                }
            ]
        pipeline: list[dict[str, Any]] = [
            {"$match": match},
            {"$project": {"_id": 1, "croix": 1}},
            {"$unwind": "$croix"},
            *after_stage,
            {"$sort": {"croix.created_at": -1, "croix.id": -1}},
            {"$limit": first + 1},
        ]
        cursor = await _collection().aggregate(pipeline)
        found = [
            LoggedCroix(PydanticObjectId(raw["_id"]), CroixEntry.model_validate(raw["croix"]))
            async for raw in cursor
        ]
        return found[:first], len(found) > first

    async def update_croix(
        self, croix_id: PydanticObjectId, user_id: PydanticObjectId, changes: CroixChanges
    ) -> LoggedCroix | None:
        """`$set` validated fields on one embedded croix of the user's; None if gone.

        An array filter rather than the positional `$`, which the embedded database
        refuses in findAndModify (db_quirks.POSITIONAL_IN_FIND_AND_MODIFY).
        """
        where = {"user_id": user_id, "croix.id": croix_id}
        if not changes:
            return _only_croix(await _collection().find_one(where), croix_id)
        async with self.clock.lease(user_id) as stamp:
            fields = {**changes, **stamped(stamp)}
            raw = await _collection().find_one_and_update(
                where,
                {
                    "$set": {f"croix.$[c].{name}": value for name, value in fields.items()},
                    "$max": {"last_change_seq": stamp.seq},
                },
                array_filters=[{"c.id": croix_id}],
                return_document=ReturnDocument.AFTER,
            )
        return _only_croix(raw, croix_id)

    async def delete_croix(self, croix_id: PydanticObjectId, user_id: PydanticObjectId) -> bool:
        """Delete one of the user's croix, its tombstone written first."""
        async with self.clock.lease(user_id) as stamp:
            return await self.delete_croix_stamped(croix_id, user_id, stamp)

    async def delete_croix_stamped(
        self, croix_id: PydanticObjectId, user_id: PydanticObjectId, stamp: Stamp
    ) -> bool:
        """`delete_croix` under a lease the caller holds (a sync push's)."""
        where = {"user_id": user_id, "croix.id": croix_id}
        raw = await _collection().find_one(where, {"croix": {"$elemMatch": {"id": croix_id}}})
        if raw is None or not raw.get("croix"):
            return False
        await self.tombstones.bury(
            user_id, CROIX, [sync_id(raw["croix"][0].get("client_id"), croix_id)], stamp
        )
        result = await _collection().update_one(
            where, {"$pull": {"croix": {"id": croix_id}}, "$max": {"last_change_seq": stamp.seq}}
        )
        return result.modified_count == 1

    # --- a whole account --------------------------------------------------------------

    async def delete_owner_batch(self, user_id: PydanticObjectId, limit: int) -> int:
        """Delete up to `limit` of the user's sessions (their croix and projects with
        them); how many were found. Zero: none is left. Only ids are read: a batch
        costs the same memory however many croix its sessions hold."""
        cursor = _collection().find({"user_id": user_id}, {"_id": 1}).limit(limit)
        ids = [raw["_id"] async for raw in cursor]
        if ids:
            await _collection().delete_many({"_id": {"$in": ids}, "user_id": user_id})
        return len(ids)

    async def all_for_export(self, user_id: PydanticObjectId) -> list[dict[str, Any]]:
        """Every session of the user's with its croix, as stored, oldest day first."""
        cursor = (
            _collection()
            .find({"user_id": user_id})
            .sort([("date", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)])
        )
        return [raw async for raw in cursor]
