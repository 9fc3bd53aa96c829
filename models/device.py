"""Phones to push to: the `devices` collection, one document per FCM registration token.

    {token, user_id, platform: ANDROID | IOS, locale, created_at, updated_at}

A token names one app install: unique, so registering it again (a token refresh, or
someone else signing in on that phone) moves it to whoever registered it last, and the
previous owner is no longer pushed to on that phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from kit.clock import utcnow_ms

ANDROID, IOS = "ANDROID", "IOS"
PLATFORMS = (ANDROID, IOS)
DEVICES_MAX = 20  # per climber: the most recently registered are kept


class DeviceDocument(Document):
    token: str
    user_id: PydanticObjectId
    platform: str
    locale: str | None = None
    created_at: datetime = Field(default_factory=utcnow_ms)
    updated_at: datetime = Field(default_factory=utcnow_ms)

    class Settings:
        name = "devices"
        indexes = [
            IndexModel([("token", ASCENDING)], unique=True, name="one_per_token"),
            IndexModel([("user_id", ASCENDING), ("updated_at", ASCENDING)], name="by_user"),
        ]


@dataclass(frozen=True, slots=True)
class Device:
    token: str
    platform: str
    locale: str | None


def _collection() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = DeviceDocument.get_pymongo_collection()
    return collection


class DeviceRepository:
    async def register(
        self, user_id: PydanticObjectId, token: str, platform: str, locale: str | None
    ) -> None:
        """Register the token for the user (moving it from anyone else), then keep only
        the user's DEVICES_MAX most recent."""
        now = utcnow_ms()
        await _collection().update_one(
            {"token": token},
            {"$set": {"user_id": user_id, "platform": platform, "locale": locale,
                      "updated_at": now},
             "$setOnInsert": {"created_at": now}},
            upsert=True,
        )  # fmt: skip
        cursor = (
            _collection()
            .find({"user_id": user_id}, {"_id": 1})
            .sort("updated_at", -1)
            .skip(DEVICES_MAX)
        )
        stale = [raw["_id"] async for raw in cursor]
        if stale:
            await _collection().delete_many({"_id": {"$in": stale}})

    async def unregister(self, user_id: PydanticObjectId, token: str) -> bool:
        gone = await _collection().delete_one({"token": token, "user_id": user_id})
        return gone.deleted_count == 1

    async def of(self, user_id: PydanticObjectId) -> list[Device]:
        cursor = _collection().find({"user_id": user_id}, {"token": 1, "platform": 1, "locale": 1})
        return [Device(raw["token"], raw["platform"], raw.get("locale")) async for raw in cursor]

    async def drop_token(self, token: str) -> bool:
        """Forget a token FCM no longer delivers to."""
        return (await _collection().delete_one({"token": token})).deleted_count == 1

    async def drop_all_of(self, user_id: PydanticObjectId) -> int:
        """Forget every phone of the user (log-out everywhere, a password reset, erasure)."""
        return (await _collection().delete_many({"user_id": user_id})).deleted_count
