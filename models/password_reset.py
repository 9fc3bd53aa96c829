"""Password reset tokens: the `password_resets` collection.

One document per user with a pending reset, `{user_id, token_hash, created_at,
expires_at}`: only the SHA-256 of the token is stored (a database leak yields no usable
link), a newer request replaces the older token (unique index on `user_id`), and a TTL
index removes expired documents. Using a token deletes its document in the same
operation that finds it, so two concurrent uses cannot both succeed.
"""

from __future__ import annotations

from datetime import datetime

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from kit.clock import utcnow

# Concurrent first requests for one user race to insert; the loser's retry updates.
_UPSERT_ATTEMPTS = 3


class PasswordResetDocument(Document):
    user_id: PydanticObjectId
    token_hash: str  # hex SHA-256 of the token mailed to the user
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime

    class Settings:
        name = "password_resets"
        indexes = [
            IndexModel([("user_id", ASCENDING)], unique=True, name="one_per_user"),
            IndexModel([("token_hash", ASCENDING)], unique=True, name="token_hash_unique"),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="ttl"),
        ]


class PasswordResetRepository:
    async def replace(
        self, user_id: PydanticObjectId, token_hash: str, *, now: datetime, expires_at: datetime
    ) -> None:
        """Store the user's new token, superseding any earlier one."""
        collection = PasswordResetDocument.get_pymongo_collection()
        fields = {"token_hash": token_hash, "created_at": now, "expires_at": expires_at}
        for _ in range(_UPSERT_ATTEMPTS):
            try:
                await collection.update_one({"user_id": user_id}, {"$set": fields}, upsert=True)
            except DuplicateKeyError:
                continue  # lost the insert race: the retry updates the winner's document
            return

    async def consume(self, token_hash: str, now: datetime) -> PydanticObjectId | None:
        """Use a token: its user if it is valid, deleting it in the same operation."""
        found = await PasswordResetDocument.get_pymongo_collection().find_one_and_delete(
            # The TTL monitor runs once a minute: an expired token may still be stored.
            {"token_hash": token_hash, "expires_at": {"$gt": now}},
            projection={"user_id": 1},
        )
        return None if found is None else PydanticObjectId(found["user_id"])

    async def delete_for(self, user_id: PydanticObjectId) -> int:
        result = await PasswordResetDocument.get_pymongo_collection().delete_many(
            {"user_id": user_id}
        )
        return result.deleted_count
