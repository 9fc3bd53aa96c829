"""Log-in and sign-up attempts, and signed uploads, kept just long enough to throttle abuse.

One document per throttled key (an account, a client address, an uploader), holding its
recent attempts in order (an upload's attempt also holds its size in bytes). Stored in
MongoDB, not process memory, so the limits hold across several machines; a TTL index
deletes a key's document once it has been quiet for a whole window.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from beanie import Document
from bson import ObjectId
from pydantic import BaseModel, ConfigDict
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

# Concurrent first attempts on a key race to create its document; the losers' retry
# updates the winner's. The bound only stops a misbehaving server from looping forever.
_UPSERT_ATTEMPTS = 5


class ThrottleUnavailableError(RuntimeError):
    """Recording an attempt kept losing races: the database misbehaves."""


class Attempt(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    id: ObjectId
    at: datetime
    amount: int = 0  # what the attempt spends of a budget (an upload's bytes); 0 for log-ins


class ThrottleKey(Document):
    id: str  # type: ignore[assignment]  # e.g. "login-account:<normalized email>"
    attempts: list[Attempt] = []
    expires_at: datetime

    class Settings:
        name = "throttle"
        indexes = [
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="ttl"),
        ]


class AuthAttemptRepository:
    async def append(
        self,
        key: str,
        attempt_id: ObjectId,
        at: datetime,
        expires_at: datetime,
        keep: int,
        amount: int = 0,
    ) -> list[Attempt]:
        """Append one attempt atomically; returns the key's attempts up to and including it.

        One `$push` on one document: concurrent attempts on a key are totally ordered by
        the database, and each sees exactly the attempts that came before it. Only the
        last `keep` are kept (`$slice`), so a hammered key's document stays small.
        """
        entry: dict[str, Any] = {"id": attempt_id, "at": at}
        if amount:
            entry["amount"] = amount
        update = {
            "$push": {"attempts": {"$each": [entry], "$slice": -keep}},
            "$max": {"expires_at": expires_at},
        }
        collection = ThrottleKey.get_pymongo_collection()
        for _ in range(_UPSERT_ATTEMPTS):
            try:
                raw = await collection.find_one_and_update(
                    {"_id": key}, update, upsert=True, return_document=ReturnDocument.AFTER
                )
            except DuplicateKeyError:
                raw = None  # lost the race to create the document (MongoDB)
            if raw is None:
                # Lost the race (db_quirks.UPSERT_RACE_ANSWERS_NULL), yet the attempt may
                # have been pushed all the same: look before pushing it again.
                raw = await collection.find_one({"_id": key})
                if raw is None or all(item["id"] != attempt_id for item in raw["attempts"]):
                    continue
            return _up_to(attempt_id, raw)
        raise ThrottleUnavailableError(f"could not record an attempt on {key}")

    async def remove(self, key: str, attempt_id: ObjectId) -> None:
        await ThrottleKey.get_pymongo_collection().update_one(
            {"_id": key}, {"$pull": {"attempts": {"id": attempt_id}}}
        )

    async def forget_before(self, key: str, before: datetime) -> None:
        """Drop the key's attempts older than `before` (out of every window that counts)."""
        await ThrottleKey.get_pymongo_collection().update_one(
            {"_id": key}, {"$pull": {"attempts": {"at": {"$lt": before}}}}
        )

    async def clear(self, key: str) -> None:
        await ThrottleKey.get_pymongo_collection().delete_one({"_id": key})

    async def clear_keys(self, keys: list[str]) -> int:
        result = await ThrottleKey.get_pymongo_collection().delete_many({"_id": {"$in": keys}})
        return result.deleted_count

    async def clear_prefix(self, prefix: str) -> int:
        """Delete every key starting with `prefix` (anchored and escaped: an index range
        scan on `_id`); how many went."""
        pattern = "^" + re.escape(prefix)
        result = await ThrottleKey.get_pymongo_collection().delete_many(
            {"_id": {"$regex": pattern}}
        )
        return result.deleted_count


def _up_to(attempt_id: ObjectId, raw: dict[str, Any]) -> list[Attempt]:
    """The key's attempts up to and including ours (later ones were pushed after it)."""
    attempts = [Attempt(**item) for item in raw["attempts"]]
    for index, attempt in enumerate(attempts):
        if attempt.id == attempt_id:
            return attempts[: index + 1]
    return attempts  # pragma: no cover - our own push is always there
