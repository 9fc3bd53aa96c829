"""Moderation actions as records of work to finish: the `moderation_actions` collection.

A moderator's decision touches several documents (the user, every one of their videos,
the case, the log); a crash between two of them used to leave, say, an account
suspended with part of its videos shown and no log entry, and nothing resumed it. Now the
decision is written first, `{case_id, action, moderator_id, note, target…, steps_done,
created_at, done_at}`, then carried out step by step (each idempotent), each step noted
as done; a record left unfinished is picked up by the sweep (workflows/moderation.py),
as account deletions are. A TTL index forgets finished records after 30 days.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from kit.clock import utcnow

KEEP_DONE = timedelta(days=30)


class ModerationActionDocument(Document):
    case_id: PydanticObjectId
    action: str
    moderator_id: PydanticObjectId
    note: str | None = None
    steps_done: list[str] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    done_at: datetime | None = None

    class Settings:
        name = "moderation_actions"
        indexes = [
            # The sweep: unfinished records (done_at null), oldest first; and a case's own.
            IndexModel([("done_at", ASCENDING), ("created_at", ASCENDING)], name="unfinished"),
            IndexModel([("case_id", ASCENDING), ("done_at", ASCENDING)], name="by_case"),
            IndexModel(
                [("done_at", ASCENDING)],
                expireAfterSeconds=int(KEEP_DONE.total_seconds()),
                name="ttl_done",
            ),
        ]


class ModerationActionRepository:
    async def begin(
        self,
        case_id: PydanticObjectId,
        action: str,
        moderator_id: PydanticObjectId,
        note: str | None,
    ) -> ModerationActionDocument:
        record = ModerationActionDocument(
            case_id=case_id, action=action, moderator_id=moderator_id, note=note
        )
        await record.insert()
        return record

    async def step_done(self, record_id: PydanticObjectId, step: str) -> None:
        await ModerationActionDocument.get_pymongo_collection().update_one(
            {"_id": record_id}, {"$addToSet": {"steps_done": step}}
        )

    async def finish(self, record_id: PydanticObjectId) -> None:
        await ModerationActionDocument.get_pymongo_collection().update_one(
            {"_id": record_id, "done_at": None}, {"$set": {"done_at": utcnow()}}
        )

    async def unfinished(
        self, *, created_before: datetime, limit: int, case_id: PydanticObjectId | None = None
    ) -> list[ModerationActionDocument]:
        """Records not carried out to the end, oldest first (of one case, if given)."""
        where: dict[str, object] = {"done_at": None, "created_at": {"$lt": created_before}}
        if case_id is not None:
            where = {"case_id": case_id, "done_at": None}
        cursor = (
            ModerationActionDocument.get_pymongo_collection()
            .find(where)
            .sort([("created_at", ASCENDING)])
            .limit(limit)
        )
        return [ModerationActionDocument.model_validate(raw) async for raw in cursor]
