"""Data exports: the `data_exports` collection, one document per user who asked.

`{_id: user id, started_at, object_key, object_expires_at}`: when the user last asked
(exports are limited to one every few minutes, claimed atomically on this document) and
the private object holding the latest export, deleted once its download URL expired.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from beanie import Document, PydanticObjectId
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError


class DataExportDocument(Document):
    id: PydanticObjectId  # the user's id
    started_at: datetime
    object_key: str | None = None
    object_expires_at: datetime | None = None

    class Settings:
        name = "data_exports"
        indexes = [
            IndexModel(
                [("object_expires_at", ASCENDING)],
                partialFilterExpression={"object_key": {"$type": "string"}},
                name="objects_to_delete",
            ),
        ]


def _collection() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = DataExportDocument.get_pymongo_collection()
    return collection


class DataExportRepository:
    async def claim(
        self, user_id: PydanticObjectId, now: datetime, interval: timedelta
    ) -> datetime | None:
        """Start an export unless one started less than `interval` ago: None when this
        call may go ahead, else when the previous one started.

        One conditional upsert: of concurrent calls, one matches (or inserts) and the
        others collide on `_id`, so at most one export starts per interval.
        """
        try:
            await _collection().find_one_and_update(
                {"_id": user_id, "started_at": {"$lte": now - interval}},
                {"$set": {"started_at": now}},
                upsert=True,
                return_document=ReturnDocument.BEFORE,
            )
        except DuplicateKeyError:
            found = await _collection().find_one({"_id": user_id}, {"started_at": 1})
            return now if found is None else found["started_at"]
        return None

    async def release(self, user_id: PydanticObjectId, started_at: datetime) -> None:
        """Forget a claim whose export failed, unless a later one replaced it."""
        await _collection().update_one(
            {"_id": user_id, "started_at": started_at},
            {"$set": {"started_at": datetime(1970, 1, 1, tzinfo=UTC)}},
        )

    async def keep(self, user_id: PydanticObjectId, key: str, expires_at: datetime) -> str | None:
        """Remember the user's latest export object; the key of the one it replaces."""
        before = await _collection().find_one_and_update(
            {"_id": user_id},
            {"$set": {"object_key": key, "object_expires_at": expires_at}},
            projection={"object_key": 1},
            return_document=ReturnDocument.BEFORE,
        )
        previous = None if before is None else before.get("object_key")
        return previous if previous != key else None

    async def expired_objects(self, now: datetime, limit: int) -> list[tuple[Any, str]]:
        """(user id, key) of export objects whose download URL has expired."""
        cursor = (
            _collection()
            .find(
                {"object_key": {"$type": "string"}, "object_expires_at": {"$lte": now}},
                {"object_key": 1},
            )
            .limit(limit)
        )
        return [(raw["_id"], raw["object_key"]) async for raw in cursor]

    async def forget_object(self, user_id: Any, key: str) -> None:
        """The object is deleted: drop its key, unless a newer export replaced it."""
        await _collection().update_one(
            {"_id": user_id, "object_key": key},
            {"$set": {"object_key": None, "object_expires_at": None}},
        )

    async def delete_for(self, user_id: PydanticObjectId) -> int:
        result = await _collection().delete_many({"_id": user_id})
        return result.deleted_count
