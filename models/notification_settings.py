"""Which notifications a climber wants: the `notification_settings` collection.

One small document per climber who changed anything, keyed by their user id:
`{_id: user_id, inbox_off: [kinds], push_off: [kinds]}`. No document: every kind on,
in the inbox and on the phone. Kept apart from `users` so that a notification's write
reads only this (one lookup by `_id`), and a climber's profile never carries it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo.asynchronous.collection import AsyncCollection


class NotificationSettingsDocument(Document):
    id: PydanticObjectId  # the user's id
    inbox_off: list[str] = Field(default_factory=list)
    push_off: list[str] = Field(default_factory=list)

    class Settings:
        name = "notification_settings"


@dataclass(frozen=True, slots=True)
class Switches:
    """The kinds switched off, for the inbox and for push."""

    inbox_off: frozenset[str] = frozenset()
    push_off: frozenset[str] = frozenset()


def _collection() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = (
        NotificationSettingsDocument.get_pymongo_collection()
    )
    return collection


def _switches(raw: dict[str, Any] | None) -> Switches:
    if raw is None:
        return Switches()
    return Switches(frozenset(raw.get("inbox_off") or ()), frozenset(raw.get("push_off") or ()))


class NotificationSettingsRepository:
    async def of(self, user_id: PydanticObjectId) -> Switches:
        return _switches(await _collection().find_one({"_id": user_id}))

    async def switch(
        self,
        user_id: PydanticObjectId,
        *,
        inbox_on: Sequence[str] = (),
        inbox_off: Sequence[str] = (),
        push_on: Sequence[str] = (),
        push_off: Sequence[str] = (),
    ) -> Switches:
        """Switch kinds on and off, each change atomic (concurrent changes of other kinds
        stay): what is switched on first, then what is switched off."""
        pulls = {k: {"$in": list(v)} for k, v in (("inbox_off", inbox_on),
                                                   ("push_off", push_on)) if v}  # fmt: skip
        adds = {k: {"$each": list(v)} for k, v in (("inbox_off", inbox_off),
                                                    ("push_off", push_off)) if v}  # fmt: skip
        if pulls:
            await _collection().update_one({"_id": user_id}, {"$pull": pulls})
        if adds:
            await _collection().update_one({"_id": user_id}, {"$addToSet": adds}, upsert=True)
        return await self.of(user_id)

    async def delete(self, user_id: PydanticObjectId) -> int:
        return (await _collection().delete_one({"_id": user_id})).deleted_count
