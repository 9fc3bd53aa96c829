"""The moderation log: the `moderation_log` collection, append-only.

One document per action a moderator took (or the reports took, when enough of them
hid a video: `moderator_id` null), written by workflows.moderation and never changed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from kit.clock import utcnow_ms

EntryKey = tuple[dt.datetime, PydanticObjectId]


class ModerationLogEntry(Document):
    at: dt.datetime = Field(default_factory=utcnow_ms)
    moderator_id: PydanticObjectId | None  # None: taken automatically (reports)
    action: str
    case_id: PydanticObjectId
    target_type: str
    target_id: PydanticObjectId
    target_user_id: PydanticObjectId
    note: str | None = None

    class Settings:
        name = "moderation_log"
        indexes = [
            IndexModel([("at", DESCENDING), ("_id", DESCENDING)], name="log_newest_first"),
        ]


class ModerationLogRepository:
    async def append(self, entry: ModerationLogEntry) -> ModerationLogEntry:
        await entry.insert()
        return entry

    async def append_once(self, entry: ModerationLogEntry) -> None:
        """Append `entry` unless an entry with its id is there already: a resumed action
        (models.moderation_action) logs under the record's id, so once."""
        with contextlib.suppress(DuplicateKeyError):
            await entry.insert()

    async def page(
        self, *, first: int, after: EntryKey | None
    ) -> tuple[list[ModerationLogEntry], bool]:
        """A page of the log, the most recent action first."""
        match: dict[str, Any] = {}
        if after is not None:
            at, entry_id = after
            match["$or"] = [{"at": {"$lt": at}}, {"at": at, "_id": {"$lt": entry_id}}]
        collection = ModerationLogEntry.get_pymongo_collection()
        cursor = collection.find(match).sort([("at", DESCENDING), ("_id", DESCENDING)])
        found = [ModerationLogEntry.model_validate(raw) async for raw in cursor.limit(first + 1)]
        return found[:first], len(found) > first
