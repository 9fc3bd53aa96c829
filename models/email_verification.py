"""E-mail verification tokens: the `email_verifications` collection.

One document per account with a verification pending, `{user_id, email_normalized,
token_hash, created_at, expires_at}`, as for password resets: only the SHA-256 of the
token is stored, a newer mail replaces the older token (unique index on `user_id`), a TTL
index removes expired documents, and using a token deletes its document in the same
operation that finds it, so it works once. `email_normalized` is the address the token
was mailed to: what using it proves.
"""

from __future__ import annotations

from datetime import datetime

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from kit.clock import utcnow

_UPSERT_ATTEMPTS = 3


class EmailVerificationDocument(Document):
    user_id: PydanticObjectId
    email_normalized: str
    token_hash: str  # hex SHA-256 of the token mailed
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime

    class Settings:
        name = "email_verifications"
        indexes = [
            IndexModel([("user_id", ASCENDING)], unique=True, name="one_per_user"),
            IndexModel([("token_hash", ASCENDING)], unique=True, name="token_hash_unique"),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="ttl"),
        ]


class EmailVerificationRepository:
    async def replace(
        self,
        user_id: PydanticObjectId,
        email_normalized: str,
        token_hash: str,
        *,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        """Store the account's new token, superseding any earlier one."""
        collection = EmailVerificationDocument.get_pymongo_collection()
        fields = {
            "email_normalized": email_normalized,
            "token_hash": token_hash,
            "created_at": now,
            "expires_at": expires_at,
        }
        for _ in range(_UPSERT_ATTEMPTS):
            try:
                await collection.update_one({"user_id": user_id}, {"$set": fields}, upsert=True)
            except DuplicateKeyError:
                continue  # lost the insert race: the retry updates the winner's document
            return

    async def consume(self, token_hash: str, now: datetime) -> tuple[PydanticObjectId, str] | None:
        """Use a token: (its account, the address it was mailed to), deleting it."""
        found = await EmailVerificationDocument.get_pymongo_collection().find_one_and_delete(
            {"token_hash": token_hash, "expires_at": {"$gt": now}},
            projection={"user_id": 1, "email_normalized": 1},
        )
        if found is None:
            return None
        return PydanticObjectId(found["user_id"]), str(found["email_normalized"])

    async def delete_token(self, token_hash: str) -> None:
        """Drop a token whose mail was never delivered (by the `token_hash_unique` index);
        a newer one, already stored in its place, is left as it is."""
        await EmailVerificationDocument.get_pymongo_collection().delete_one(
            {"token_hash": token_hash}
        )

    async def delete_for(self, user_id: PydanticObjectId) -> int:
        result = await EmailVerificationDocument.get_pymongo_collection().delete_many(
            {"user_id": user_id}
        )
        return result.deleted_count
