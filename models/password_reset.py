"""Password reset tokens: the `password_resets` collection.

One document per pending reset token, `{user_id, token_hash, created_at, expires_at}`:
only the SHA-256 of the token is stored (a database leak yields no usable link), and a
TTL index removes expired documents. A user may hold a few pending tokens at once
(MAX_PENDING, the newest kept): so a request by someone else never voids the link the
owner is about to open, it only mails the owner one more. Using a token deletes its
document in the same operation that finds it, so two concurrent uses cannot both
succeed; the workflow then deletes the user's other tokens.
"""

from __future__ import annotations

from datetime import datetime

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, DESCENDING, IndexModel

from kit.clock import utcnow

# Pending tokens kept per user, newest first. The per-account request throttle allows
# at most 7 mails in a token's 30 minutes (3 free, then 1, 2, 4, 8 minutes apart), so
# no run of requests can push the owner's pending token out.
MAX_PENDING = 8


class PasswordResetDocument(Document):
    user_id: PydanticObjectId
    token_hash: str  # hex SHA-256 of the token mailed to the user
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime

    class Settings:
        name = "password_resets"
        indexes = [
            IndexModel([("user_id", ASCENDING), ("created_at", DESCENDING)], name="by_user"),
            IndexModel([("token_hash", ASCENDING)], unique=True, name="token_hash_unique"),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="ttl"),
        ]


class PasswordResetRepository:
    async def add(
        self,
        user_id: PydanticObjectId,
        token_hash: str,
        *,
        now: datetime,
        expires_at: datetime,
        keep: int = MAX_PENDING,
    ) -> None:
        """Store one more pending token for the user, forgetting the oldest beyond `keep`."""
        collection = PasswordResetDocument.get_pymongo_collection()
        await collection.insert_one(
            {"user_id": user_id, "token_hash": token_hash, "created_at": now,
             "expires_at": expires_at}
        )  # fmt: skip
        stale = collection.find(
            {"user_id": user_id}, {"_id": 1}, sort=[("created_at", DESCENDING)], skip=keep
        )
        ids = [raw["_id"] async for raw in stale]
        if ids:
            await collection.delete_many({"_id": {"$in": ids}})

    async def consume(self, token_hash: str, now: datetime) -> PydanticObjectId | None:
        """Use a token: its user if it is valid, deleting it in the same operation."""
        found = await PasswordResetDocument.get_pymongo_collection().find_one_and_delete(
            # The TTL monitor runs once a minute: an expired token may still be stored.
            {"token_hash": token_hash, "expires_at": {"$gt": now}},
            projection={"user_id": 1},
        )
        return None if found is None else PydanticObjectId(found["user_id"])

    async def delete_token(self, token_hash: str) -> None:
        await PasswordResetDocument.get_pymongo_collection().delete_one({"token_hash": token_hash})

    async def delete_for(self, user_id: PydanticObjectId) -> int:
        result = await PasswordResetDocument.get_pymongo_collection().delete_many(
            {"user_id": user_id}
        )
        return result.deleted_count
