"""Log-in and sign-up attempts, kept just long enough to throttle abuse.

Stored in MongoDB (not process memory) so the limits hold across several machines; a
TTL index deletes each attempt once it has left every throttling window.
"""

from __future__ import annotations

from datetime import datetime

from beanie import Document, PydanticObjectId
from pymongo import ASCENDING, IndexModel


class AuthAttempt(Document):
    key: str  # e.g. "login-account:<normalized email>" or "login-ip:<address>"
    at: datetime
    expires_at: datetime

    class Settings:
        name = "auth_attempts"
        indexes = [
            IndexModel([("key", ASCENDING), ("_id", ASCENDING)], name="key_order"),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="ttl"),
        ]


class AuthAttemptRepository:
    async def record(self, key: str, at: datetime, expires_at: datetime) -> PydanticObjectId:
        attempt = AuthAttempt(key=key, at=at, expires_at=expires_at)
        await attempt.insert()
        assert attempt.id is not None
        return attempt.id

    async def since(self, key: str, since: datetime) -> list[AuthAttempt]:
        """Attempts on `key` at or after `since`, in the order they were recorded."""
        return await AuthAttempt.find({"key": key, "at": {"$gte": since}}).sort("_id").to_list()

    async def forget(self, attempt_ids: list[PydanticObjectId]) -> None:
        if attempt_ids:
            await AuthAttempt.find({"_id": {"$in": attempt_ids}}).delete()

    async def clear(self, key: str) -> None:
        await AuthAttempt.find({"key": key}).delete()
