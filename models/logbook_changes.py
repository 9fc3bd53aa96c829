"""The logbook as sync sees it: what changed after a stamp, records by the ids devices
know them by, and the writes of a push, each stamped with the push's lease.

Sessions and croix stay where they are (`sessions`, croix embedded); this repository only
adds the sync's queries on them. A record's sync id is its `client_id` when the phone gave
one (WatermelonDB's 16-character ids, UUIDs), else its ObjectId as a string (records made
by the classic mutations without one): see `models.climb_session.sync_id`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from beanie import PydanticObjectId
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from models.climb_session import (
    MAX_CROIX_PER_SESSION,
    ClimbSession,
    CroixEntry,
    LoggedCroix,
    stamped,
)
from models.logbook_clock import Stamp


def _sessions() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = ClimbSession.get_pymongo_collection()
    return collection


class LogbookChangesRepository:
    # --- pulls ------------------------------------------------------------------------

    async def sessions_changed(
        self, user_id: PydanticObjectId, after: int | None
    ) -> list[ClimbSession]:
        """The user's sessions holding a change stamped after `after` (None: all of them).
        The caller picks the records whose own stamps fall in the pull's range."""
        query: dict[str, Any] = {"user_id": user_id}
        if after is not None:
            query["last_change_seq"] = {"$gt": after}
        return [ClimbSession.model_validate(raw) async for raw in _sessions().find(query)]

    # --- the records a push names ------------------------------------------------------

    async def sessions_named(
        self,
        user_id: PydanticObjectId,
        client_ids: Sequence[str],
        object_ids: Sequence[PydanticObjectId],
    ) -> list[ClimbSession]:
        """The user's sessions whose client id or ObjectId is among those given."""
        found: dict[PydanticObjectId, ClimbSession] = {}
        queries: list[dict[str, Any]] = []
        if client_ids:
            queries.append({"user_id": user_id, "client_id": {"$in": list(client_ids)}})
        if object_ids:
            queries.append({"_id": {"$in": list(object_ids)}, "user_id": user_id})
        for query in queries:
            async for raw in _sessions().find(query):
                session = ClimbSession.model_validate(raw)
                assert session.id is not None
                found[session.id] = session
        return list(found.values())

    async def croix_named(
        self,
        user_id: PydanticObjectId,
        client_ids: Sequence[str],
        object_ids: Sequence[PydanticObjectId],
    ) -> list[LoggedCroix]:
        """The user's croix whose client id or id is among those given, with their session."""
        wanted_clients, wanted_ids = set(client_ids), set(object_ids)
        queries: list[dict[str, Any]] = []
        if client_ids:
            queries.append({"user_id": user_id, "croix.client_id": {"$in": list(client_ids)}})
        if object_ids:
            queries.append({"croix.id": {"$in": list(object_ids)}, "user_id": user_id})
        found: dict[PydanticObjectId, LoggedCroix] = {}
        for query in queries:
            async for raw in _sessions().find(query, {"croix": 1}):
                for item in raw.get("croix", []):
                    if item.get("client_id") in wanted_clients or item["id"] in wanted_ids:
                        entry = CroixEntry.model_validate(item)
                        found[entry.id] = LoggedCroix(PydanticObjectId(raw["_id"]), entry)
        return list(found.values())

    async def foreign_sessions(
        self, user_id: PydanticObjectId, object_ids: Sequence[PydanticObjectId]
    ) -> set[PydanticObjectId]:
        """Which of these session ids belong to another climber."""
        if not object_ids:
            return set()
        cursor = _sessions().find(
            {"_id": {"$in": list(object_ids)}, "user_id": {"$ne": user_id}}, {"_id": 1}
        )
        return {PydanticObjectId(raw["_id"]) async for raw in cursor}

    async def foreign_croix(
        self, user_id: PydanticObjectId, object_ids: Sequence[PydanticObjectId]
    ) -> set[PydanticObjectId]:
        """Which of these croix ids belong to another climber."""
        if not object_ids:
            return set()
        wanted = set(object_ids)
        cursor = _sessions().find(
            {"croix.id": {"$in": list(object_ids)}, "user_id": {"$ne": user_id}},
            {"croix.id": 1},
        )
        return {
            PydanticObjectId(item["id"])
            async for raw in cursor
            for item in raw.get("croix", [])
            if item["id"] in wanted
        }

    # --- a push's writes, under its lease -----------------------------------------------

    async def put_session(
        self,
        user_id: PydanticObjectId,
        session_id: PydanticObjectId,
        client_id: str | None,
        fields: dict[str, Any],
        stamp: Stamp,
    ) -> bool:
        """Create or update the user's session `session_id` with `fields` (its date, gym,
        feeling, notes). Idempotent: the id was chosen when the push was recorded. False:
        the client id is taken by another session (a race with a classic create)."""
        update: dict[str, Any] = {
            # A session the phone places is no longer "today's" opened on demand.
            "$set": {**fields, **stamped(stamp), "auto_created": False},
            "$max": {"last_change_seq": stamp.seq},
            "$setOnInsert": {"croix": [], "client_id": client_id, "created_at": stamp.at},
        }
        where = {"_id": session_id, "user_id": user_id}
        try:
            await _sessions().update_one(where, update, upsert=True)
        except DuplicateKeyError:
            # A twin applier inserted it first (its `_id`), or the client id is taken.
            result = await _sessions().update_one(where, update)
            return result.matched_count == 1
        return True

    async def put_croix(
        self,
        user_id: PydanticObjectId,
        session_id: PydanticObjectId,
        entry: CroixEntry,
        fields: dict[str, Any],
        stamp: Stamp,
    ) -> bool:
        """Update the user's croix `entry.id` with `fields`, or log `entry` (carrying the
        same fields) in `session_id` when it is not there yet. Idempotent; False when it
        cannot be logged (the session is gone or full: a race with a classic write)."""
        changes = {**fields, **stamped(stamp)}
        updated = await _sessions().update_one(
            {"user_id": user_id, "croix.id": entry.id},
            {
                "$set": {f"croix.$[c].{name}": value for name, value in changes.items()},
                "$max": {"last_change_seq": stamp.seq},
            },
            array_filters=[{"c.id": entry.id}],
        )
        if updated.matched_count == 1:
            return True
        entry.change_seq, entry.updated_at, entry.created_at = stamp.seq, stamp.at, stamp.at
        where: dict[str, Any] = {
            "_id": session_id,
            "user_id": user_id,
            f"croix.{MAX_CROIX_PER_SESSION - 1}": {"$exists": False},
            "croix.id": {"$ne": entry.id},
        }
        if entry.client_id is not None:
            where["croix.client_id"] = {"$ne": entry.client_id}
        pushed = await _sessions().update_one(
            where, {"$push": {"croix": entry.model_dump()}, "$max": {"last_change_seq": stamp.seq}}
        )
        if pushed.modified_count == 1:
            return True
        # Another applier of the same push may have logged it meanwhile.
        again = await _sessions().find_one({"user_id": user_id, "croix.id": entry.id}, {"_id": 1})
        return again is not None
