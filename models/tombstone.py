"""Tombstones: the `logbook_tombstones` collection, what a device must learn was deleted.

A deleted session or croix leaves no document to find "changed after T", so its deletion
is written down first (before the record goes: a crash in between leaves a tombstone of a
record still there, which the pull leaves out, never a deletion nobody hears of):

    {user_id, table: "sessions" | "croix", record_id, change_seq, deleted_at, expires_at}

`record_id` is the id devices know the record by (its client id, else its ObjectId as a
string). Tombstones are kept `keep` (SYNC_TOMBSTONE_DAYS) and then removed by a TTL index;
a device that last pulled before that horizon gets its whole logbook again instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from beanie import Document, PydanticObjectId
from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from models.logbook_clock import Stamp
from rules.logbook_sync import CROIX, SESSIONS

__all__ = ["CROIX", "SESSIONS", "TombstoneDocument", "TombstoneRepository"]
DEFAULT_KEEP = dt.timedelta(days=90)
# The TTL monitor may remove a tombstone once its day is past; a day more than the
# horizon keeps every tombstone a device inside the horizon may still need.
_SLACK = dt.timedelta(days=1)
_DUPLICATE_KEY = 11000


class TombstoneDocument(Document):
    user_id: PydanticObjectId
    table: str
    record_id: str
    change_seq: int
    deleted_at: dt.datetime
    expires_at: dt.datetime

    class Settings:
        name = "logbook_tombstones"
        indexes = [
            # One per record; serves "which of these ids were deleted" at push time.
            IndexModel(
                [("user_id", ASCENDING), ("table", ASCENDING), ("record_id", ASCENDING)],
                unique=True,
                name="one_per_record",
            ),
            # What a pull asks: the user's deletions in a range of stamps.
            IndexModel([("user_id", ASCENDING), ("change_seq", ASCENDING)], name="user_changes"),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="ttl"),
        ]


def _collection() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = TombstoneDocument.get_pymongo_collection()
    return collection


class TombstoneRepository:
    def __init__(self, keep: dt.timedelta = DEFAULT_KEEP) -> None:
        self.keep = keep

    async def bury(
        self, user_id: PydanticObjectId, table: str, record_ids: Sequence[str], stamp: Stamp
    ) -> None:
        """Write down the deletion of `record_ids` (idempotent: a repeat re-stamps it)."""
        if not record_ids:
            return
        expires_at = stamp.at + self.keep + _SLACK
        writes = [
            UpdateOne(
                {"user_id": user_id, "table": table, "record_id": record_id},
                {
                    "$set": {
                        "change_seq": stamp.seq,
                        "deleted_at": stamp.at,
                        "expires_at": expires_at,
                    }
                },
                upsert=True,
            )
            for record_id in record_ids
        ]
        try:
            await _collection().bulk_write(writes, ordered=False)
        except BulkWriteError as error:
            # Two deletions of one record at once (a double tap): the upsert that lost
            # the race on the unique index finds the winner's tombstone the second time.
            if any(e.get("code") != _DUPLICATE_KEY for e in error.details["writeErrors"]):
                raise
            await _collection().bulk_write(writes, ordered=False)

    async def between(
        self, user_id: PydanticObjectId, after: int, upto: int
    ) -> list[tuple[str, str]]:
        """(table, record_id) of the user's deletions stamped in (after, upto]."""
        cursor = _collection().find(
            {"user_id": user_id, "change_seq": {"$gt": after, "$lte": upto}},
            {"table": 1, "record_id": 1, "_id": 0},
        )
        return [(raw["table"], raw["record_id"]) async for raw in cursor]

    async def among(
        self, user_id: PydanticObjectId, table: str, record_ids: Sequence[str]
    ) -> dict[str, int]:
        """Which of `record_ids` of `table` the user deleted: record_id -> its stamp."""
        if not record_ids:
            return {}
        cursor = _collection().find(
            {"user_id": user_id, "table": table, "record_id": {"$in": list(record_ids)}},
            {"record_id": 1, "change_seq": 1, "_id": 0},
        )
        return {raw["record_id"]: int(raw["change_seq"]) async for raw in cursor}

    async def delete_for(self, user_id: PydanticObjectId) -> int:
        """Forget the user's tombstones (account erasure)."""
        result = await _collection().delete_many({"user_id": user_id})
        return result.deleted_count
