"""Account deletions: the `account_deletions` collection, a record of work to finish.

One document per deleted account, written before anything is erased, so that a crash at
any point leaves a record saying what is left to do (see workflows.account_deletion):

    {user_id, email_normalized, requested_at,
     phase: "erasing" | "final_check" | "done",
     run_after,         # when the next run may start (the final check waits a while)
     steps_done: [...], # steps of the current phase already finished
     positions: {step: last id handled},   # where a step walking a collection stopped
     erased: {step: n}, batches: {step: n}, # progress, for whoever looks in mongosh
     last_error, completed_at, expires_at}

Once done, the e-mail is dropped and a TTL index removes the record after a while: what
remains meanwhile says only that some account id was erased, and when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

ERASING, FINAL_CHECK, DONE = "erasing", "final_check", "done"


class AccountDeletionRecord(Document):
    user_id: PydanticObjectId
    email_normalized: str | None = None
    requested_at: datetime
    phase: str = ERASING
    run_after: datetime
    steps_done: list[str] = Field(default_factory=list)
    positions: dict[str, Any] = Field(default_factory=dict)
    erased: dict[str, int] = Field(default_factory=dict)
    batches: dict[str, int] = Field(default_factory=dict)
    last_error: str | None = None
    completed_at: datetime | None = None
    expires_at: datetime | None = None

    class Settings:
        name = "account_deletions"
        indexes = [
            IndexModel([("user_id", ASCENDING)], unique=True, name="one_per_user"),
            IndexModel([("phase", ASCENDING), ("run_after", ASCENDING)], name="due"),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="ttl"),
        ]


def _collection() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = AccountDeletionRecord.get_pymongo_collection()
    return collection


class AccountDeletionRepository:
    async def open(
        self, user_id: PydanticObjectId, email_normalized: str, now: datetime
    ) -> AccountDeletionRecord:
        """The account's deletion record, written now unless one exists (a repeat)."""
        fresh = AccountDeletionRecord(
            user_id=user_id, email_normalized=email_normalized, requested_at=now, run_after=now
        )
        raw = await _collection().find_one_and_update(
            {"user_id": user_id},
            {"$setOnInsert": fresh.model_dump(exclude={"id", "user_id"})},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        if raw is None:  # db_quirks.UPSERT_RACE_ANSWERS_NULL: read what was written
            raw = await _collection().find_one({"user_id": user_id})
        assert raw is not None
        record: AccountDeletionRecord = AccountDeletionRecord.model_validate(raw)
        return record

    async def get(self, user_id: PydanticObjectId) -> AccountDeletionRecord | None:
        raw = await _collection().find_one({"user_id": user_id})
        return None if raw is None else AccountDeletionRecord.model_validate(raw)

    async def due(self, now: datetime, limit: int) -> list[PydanticObjectId]:
        """Accounts whose erasure is unfinished and may run now, oldest first."""
        cursor = (
            _collection()
            .find({"phase": {"$in": [ERASING, FINAL_CHECK]}, "run_after": {"$lte": now}},
                  {"user_id": 1})
            .sort("run_after", ASCENDING)
            .limit(limit)
        )  # fmt: skip
        return [PydanticObjectId(raw["user_id"]) async for raw in cursor]

    async def progress(
        self, record_id: PydanticObjectId, step: str, count: int, position: Any
    ) -> None:
        update: dict[str, Any] = {"$inc": {f"erased.{step}": count, f"batches.{step}": 1}}
        if position is not None:
            update["$set"] = {f"positions.{step}": position}
        await _collection().update_one({"_id": record_id}, update)

    async def step_done(self, record_id: PydanticObjectId, phase: str, step: str) -> None:
        await _collection().update_one(
            {"_id": record_id, "phase": phase}, {"$addToSet": {"steps_done": step}}
        )

    async def to_final_check(self, record_id: PydanticObjectId, run_after: datetime) -> None:
        """Every step went once: the final check runs them all again from `run_after`."""
        await _collection().update_one(
            {"_id": record_id, "phase": ERASING},
            {"$set": {"phase": FINAL_CHECK, "run_after": run_after, "steps_done": [],
                      "positions": {}}},
        )  # fmt: skip

    async def finish(
        self, record_id: PydanticObjectId, now: datetime, expires_at: datetime
    ) -> None:
        await _collection().update_one(
            {"_id": record_id, "phase": FINAL_CHECK},
            {
                "$set": {"phase": DONE, "completed_at": now, "expires_at": expires_at,
                         "last_error": None, "positions": {}},
                "$unset": {"email_normalized": ""},
            },
        )  # fmt: skip

    async def note_error(self, record_id: PydanticObjectId, message: str) -> None:
        await _collection().update_one({"_id": record_id}, {"$set": {"last_error": message}})
