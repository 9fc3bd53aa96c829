"""Accounts: the `users` collection and every query that touches it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from beanie import Document, PydanticObjectId
from bson import ObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from kit.clock import utcnow
from models.audience import MODERATOR, PRIVATE, Audience, ids_of, user_filter


class UserDocument(Document):
    email: str
    # Uniqueness is enforced on normalized copies, by unique indexes, so that two
    # concurrent sign-ups differing only in letter case cannot both succeed.
    email_normalized: str
    pseudo: str
    pseudo_normalized: str
    password_hash: str
    avatar_url: str | None = None
    bio: str | None = None
    # Bumped to revoke every token issued before (logout everywhere, password change).
    token_version: int = 0
    # Kept in step with the `follows` edges by models.follow (the edges are the truth).
    follower_count: int = 0
    following_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    # The version of the terms of use the user accepted (TERMS_VERSION), and when.
    terms_version: str | None = None
    terms_accepted_at: datetime | None = None
    # "MODERATOR" (granted by the operator, `make moderator`) or absent.
    role: str | None = None
    # Why the account is hidden (models.audience reasons); empty: nothing hides it.
    withheld: list[str] = Field(default_factory=list)
    # Who may see the logbook by name (models.audience.logbook_filter): PRIVATE (absent
    # on accounts older than the setting: the same), FOLLOWERS or PUBLIC.
    logbook_visibility: str = PRIVATE
    # Whether its owner proved they read mail at `email` (a link or code mailed to it, or
    # a password reset); absent (accounts made before e-mails were verified): not yet.
    email_verified: bool = False
    email_verified_at: datetime | None = None
    # An address this account signed up with while another, unverified account held it:
    # the account holds a placeholder key (`pending_key`) until its owner verifies the
    # address, which then moves here and the other account loses it (`claim_pending`).
    pending_email: str | None = None
    pending_email_normalized: str | None = None
    # When this account, unverified, lost its address to the owner who verified it.
    email_released_at: datetime | None = None

    class Settings:
        name = "users"
        indexes = [
            IndexModel([("email_normalized", ASCENDING)], unique=True, name="email_unique"),
            IndexModel([("pseudo_normalized", ASCENDING)], unique=True, name="pseudo_unique"),
        ]


class ProfileChanges(TypedDict, total=False):
    """The fields of an account its owner may change through their profile."""

    pseudo: str
    pseudo_normalized: str
    bio: str | None
    avatar_url: str | None


@dataclass(frozen=True, slots=True)
class UserCard:
    """What others see of a user (no email, no password hash): what listings show."""

    id: PydanticObjectId
    pseudo: str
    avatar_url: str | None
    bio: str | None
    follower_count: int = 0
    following_count: int = 0
    # Suspended or being deleted (models.audience): listed to nobody but moderators.
    # Listings that filter in their query never see one; a card read by id may.
    withheld: bool = False


class UserCardRow(TypedDict):
    """A `UserCard` as the driver decoded it (`card_rows`): a page of videos builds its
    authors straight from these, with no card copying every field in between."""

    _id: ObjectId
    pseudo: str
    avatar_url: NotRequired[str | None]
    bio: NotRequired[str | None]
    follower_count: NotRequired[int]
    following_count: NotRequired[int]


_CARD_FIELDS = {
    "pseudo": 1, "avatar_url": 1, "bio": 1, "follower_count": 1, "following_count": 1,
    "withheld": 1,
}  # fmt: skip


def _card(raw: Mapping[str, Any]) -> UserCard:
    return UserCard(
        id=PydanticObjectId(raw["_id"]),
        pseudo=raw["pseudo"],
        avatar_url=raw.get("avatar_url"),
        bio=raw.get("bio"),
        follower_count=int(raw.get("follower_count", 0)),
        following_count=int(raw.get("following_count", 0)),
        withheld=bool(raw.get("withheld")),
    )


class DuplicateAccountError(Exception):
    """Raised when a unique field is taken; `field` names it ("email" or "pseudo")."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} already taken")
        self.field = field


def _duplicate_field(error: DuplicateKeyError) -> str:
    """Which unique field collided, from the index's key pattern (never from the message,
    which quotes the duplicated value: a pseudo "email_fan" must not read as an email)."""
    details: Mapping[str, Any] = error.details or {}
    key_pattern = details.get("keyPattern") or {}
    if "email_normalized" in key_pattern:
        return "email"
    if "pseudo_normalized" in key_pattern:
        return "pseudo"
    # No key pattern (older servers): the index name, which comes before the value.
    message = str(details.get("errmsg") or error)
    return "email" if "index: email_unique" in message else "pseudo"


def pending_key(user_id: PydanticObjectId) -> str:
    """The `email_normalized` of an account whose address waits for verification: no
    address has this form (no "@"), so it never collides with one."""
    return f"pending:{user_id}"


def released_key(user_id: PydanticObjectId) -> str:
    """The `email_normalized` of an account whose unverified address went to its owner."""
    return f"released:{user_id}"


def holds_an_address(email_normalized: str) -> bool:
    return "@" in email_normalized


class UserRepository:
    async def create(
        self,
        *,
        email: str,
        email_normalized: str,
        pseudo: str,
        pseudo_normalized: str,
        password_hash: str,
        terms_version: str | None = None,
        pending: bool = False,
    ) -> UserDocument:
        """A new account holding its address, or with `pending`, waiting to verify it
        (another unverified account holds it)."""
        user_id = PydanticObjectId()
        user = UserDocument(
            id=user_id,
            email=email,
            email_normalized=pending_key(user_id) if pending else email_normalized,
            pseudo=pseudo,
            pseudo_normalized=pseudo_normalized,
            password_hash=password_hash,
            terms_version=terms_version,
            terms_accepted_at=None if terms_version is None else utcnow(),
            pending_email=email if pending else None,
            pending_email_normalized=email_normalized if pending else None,
        )
        try:
            await user.insert()
        except DuplicateKeyError as error:
            raise DuplicateAccountError(_duplicate_field(error)) from error
        return user

    async def get(self, user_id: PydanticObjectId) -> UserDocument | None:
        return await UserDocument.get(user_id)

    async def cards(self, user_ids: Sequence[ObjectId]) -> list[UserCard]:
        """One query for a batch of ids (what the per-request DataLoader calls).

        Projected to the public fields and read without the ODM: full validated documents
        showed in a feed page's profile (bench/RESULTS.md).
        """
        return [_card(raw) for raw in await self.card_rows(user_ids)]

    async def card_rows(self, user_ids: Sequence[ObjectId]) -> list[UserCardRow]:
        """`cards`, as the driver decoded them (what a page of videos builds from)."""
        if not user_ids:
            return []
        collection = UserDocument.get_pymongo_collection()
        cursor = collection.find({"_id": {"$in": list(user_ids)}}, _CARD_FIELDS)
        return await cursor.to_list()  # the projection's shape

    async def visible_card(self, user_id: PydanticObjectId, audience: Audience) -> UserCard | None:
        """The user's card, if this audience may see them (models.audience)."""
        collection = UserDocument.get_pymongo_collection()
        raw = await collection.find_one({"_id": user_id, **user_filter(audience)}, _CARD_FIELDS)
        return None if raw is None else _card(raw)

    async def visible_ids_by_pseudo(
        self, pseudos_normalized: Sequence[str], audience: Audience
    ) -> dict[str, PydanticObjectId]:
        """{normalized pseudo: id} of those of `pseudos_normalized` this audience may see,
        in one query (the `pseudo_unique` index)."""
        if not pseudos_normalized:
            return {}
        match = {"pseudo_normalized": {"$in": list(pseudos_normalized)}, **user_filter(audience)}
        cursor = UserDocument.get_pymongo_collection().find(match, {"pseudo_normalized": 1})
        return {raw["pseudo_normalized"]: PydanticObjectId(raw["_id"]) async for raw in cursor}

    async def by_email(self, email_normalized: str) -> UserDocument | None:
        """The account holding this address; never one by its placeholder (a waiting or
        released account is not reached by a log-in or a reset typed as "pending:...")."""
        if not holds_an_address(email_normalized):
            return None
        return await UserDocument.find_one({"email_normalized": email_normalized})

    async def pseudo_exists(self, pseudo_normalized: str) -> bool:
        return await UserDocument.find_one({"pseudo_normalized": pseudo_normalized}) is not None

    async def search_by_pseudo_prefix(
        self, prefix_normalized: str, limit: int, audience: Audience
    ) -> list[UserDocument]:
        """Users whose pseudo starts with the prefix, exact match first, then shortest,
        among those this audience may see.

        The prefix is regex-escaped (no injection) and anchored, so the unique index
        on `pseudo_normalized` serves the scan.
        """
        pattern = "^" + re.escape(prefix_normalized)
        match = {"pseudo_normalized": {"$regex": pattern}, **user_filter(audience)}
        pipeline: list[dict[str, Any]] = [
            {"$match": match},
            # Rank: the exact pseudo first, then the shortest (closest to what was
            # typed), then alphabetical so the order is stable.
            {
                "$addFields": {
                    "_rank_exact": {"$ne": ["$pseudo_normalized", prefix_normalized]},
                    "_rank_len": {"$strLenCP": "$pseudo_normalized"},
                }
            },
            {"$sort": {"_rank_exact": 1, "_rank_len": 1, "pseudo_normalized": 1}},
            {"$limit": limit},
            {"$project": {"_rank_exact": 0, "_rank_len": 0}},
        ]
        return await UserDocument.aggregate(pipeline, projection_model=UserDocument).to_list()

    async def update_profile(
        self, user_id: PydanticObjectId, changes: ProfileChanges
    ) -> UserDocument | None:
        """Apply a `$set` of validated fields atomically; returns the updated user."""
        if not changes:
            return await self.get(user_id)
        collection = UserDocument.get_pymongo_collection()
        try:
            raw = await collection.find_one_and_update(
                {"_id": user_id}, {"$set": dict(changes)}, return_document=True
            )
        except DuplicateKeyError as error:
            raise DuplicateAccountError(_duplicate_field(error)) from error
        return None if raw is None else UserDocument.model_validate(raw)

    async def token_version(self, user_id: PydanticObjectId) -> int | None:
        """Only the version (a covered, tiny read): checked on every authenticated request."""
        collection = UserDocument.get_pymongo_collection()
        found = await collection.find_one({"_id": user_id}, {"token_version": 1})
        return None if found is None else int(found.get("token_version", 0))

    async def accepted_terms(self, user_id: PydanticObjectId) -> str | None:
        """The terms version the user accepted (a tiny read: publishing checks it)."""
        collection = UserDocument.get_pymongo_collection()
        found = await collection.find_one({"_id": user_id}, {"terms_version": 1})
        return None if found is None else found.get("terms_version")

    async def accept_terms(self, user_id: PydanticObjectId, version: str) -> UserDocument | None:
        """Record that the user accepted `version` now; the updated user, None if gone.

        Accepting the version already accepted keeps its first date."""
        collection = UserDocument.get_pymongo_collection()
        await collection.update_one(
            {"_id": user_id, "terms_version": {"$ne": version}},
            {"$set": {"terms_version": version, "terms_accepted_at": utcnow()}},
        )
        return await self.get(user_id)

    async def set_logbook_visibility(
        self, user_id: PydanticObjectId, visibility: str
    ) -> UserDocument | None:
        """Set who may see the user's logbook by name; the updated user, None if gone."""
        raw = await UserDocument.get_pymongo_collection().find_one_and_update(
            {"_id": user_id}, {"$set": {"logbook_visibility": visibility}}, return_document=True
        )
        return None if raw is None else UserDocument.model_validate(raw)

    async def delete(self, user_id: PydanticObjectId) -> bool:
        """Remove the account's document: its e-mail and pseudo are free at once, and
        its tokens fail (their user is gone). True if this call removed it."""
        result = await UserDocument.get_pymongo_collection().delete_one({"_id": user_id})
        return result.deleted_count == 1

    async def set_password(self, user_id: PydanticObjectId, password_hash: str) -> int | None:
        """Store a new hash and revoke every earlier token; returns the new token version."""
        return await self._bump_version(user_id, {"$set": {"password_hash": password_hash}})

    async def bump_token_version(self, user_id: PydanticObjectId) -> int | None:
        """Revoke every token issued so far; returns the new token version."""
        return await self._bump_version(user_id, {})

    async def _bump_version(self, user_id: PydanticObjectId, update: dict[str, Any]) -> int | None:
        collection = UserDocument.get_pymongo_collection()
        found = await collection.find_one_and_update(
            {"_id": user_id},
            {**update, "$inc": {"token_version": 1}},
            projection={"token_version": 1},
            return_document=True,
        )
        return None if found is None else int(found["token_version"])

    async def set_role(self, email_normalized: str, role: str | None) -> UserDocument | None:
        """Grant (or, with None, take back) a role; the updated user, None if no account."""
        update = {"$set": {"role": role}} if role else {"$unset": {"role": ""}}
        raw = await UserDocument.get_pymongo_collection().find_one_and_update(
            {"email_normalized": email_normalized}, update, return_document=True
        )
        return None if raw is None else UserDocument.model_validate(raw)

    async def withhold(self, user_id: PydanticObjectId, reason: str) -> bool:
        """Hide the user for `reason` (idempotent); False when there is no such user."""
        result = await UserDocument.get_pymongo_collection().update_one(
            {"_id": user_id}, {"$addToSet": {"withheld": reason}}
        )
        return result.matched_count == 1

    async def is_withheld(self, user_id: PydanticObjectId, reason: str) -> bool:
        """Whether the user is hidden for `reason` now (a tiny read by `_id`)."""
        collection = UserDocument.get_pymongo_collection()
        found = await collection.find_one({"_id": user_id, "withheld": reason}, {"_id": 1})
        return found is not None

    async def release(self, user_id: PydanticObjectId, reason: str) -> bool:
        """Take `reason` off the user; False when there is no such user."""
        result = await UserDocument.get_pymongo_collection().update_one(
            {"_id": user_id}, {"$pull": {"withheld": reason}}
        )
        return result.matched_count == 1

    async def mark_verified(self, user_id: PydanticObjectId, email_normalized: str) -> bool:
        """Record that the user proved `email_normalized`, if they still hold it."""
        result = await UserDocument.get_pymongo_collection().update_one(
            {"_id": user_id, "email_normalized": email_normalized},
            {"$set": {"email_verified": True, "email_verified_at": utcnow()}},
        )
        return result.matched_count == 1

    async def release_unverified(self, email_normalized: str) -> PydanticObjectId | None:
        """Take the address from the account holding it unverified, revoking its tokens
        (it signed up with an address it never proved); the account, None if the address
        is free or verified. Guarded on both: a verified holder is never released."""
        collection = UserDocument.get_pymongo_collection()
        holder = await collection.find_one(
            {"email_normalized": email_normalized, "email_verified": {"$ne": True}}, {"_id": 1}
        )
        if holder is None:
            return None
        user_id = PydanticObjectId(holder["_id"])
        released = await collection.update_one(
            {"_id": user_id, "email_normalized": email_normalized, "email_verified": {"$ne": True}},
            {"$set": {"email_normalized": released_key(user_id), "email_released_at": utcnow()},
             "$inc": {"token_version": 1}},
        )  # fmt: skip
        return user_id if released.modified_count == 1 else None

    async def claim_pending(self, user_id: PydanticObjectId, email_normalized: str) -> bool:
        """Give the pending account its address, verified; False while another account
        holds it (the unique index decides between concurrent claims)."""
        collection = UserDocument.get_pymongo_collection()
        found = await collection.find_one(
            {"_id": user_id, "pending_email_normalized": email_normalized}, {"pending_email": 1}
        )
        if found is None:
            return False
        try:
            result = await collection.update_one(
                {"_id": user_id, "pending_email_normalized": email_normalized},
                {"$set": {"email": found["pending_email"], "email_normalized": email_normalized,
                          "email_verified": True, "email_verified_at": utcnow()},
                 "$unset": {"pending_email": "", "pending_email_normalized": ""}},
            )  # fmt: skip
        except DuplicateKeyError:
            return False
        return result.modified_count == 1

    async def standing(self, user_id: PydanticObjectId) -> tuple[datetime, bool] | None:
        """(when the account was made, whether its e-mail is verified): a small read."""
        found = await UserDocument.get_pymongo_collection().find_one(
            {"_id": user_id}, {"created_at": 1, "email_verified": 1}
        )
        if found is None:
            return None
        return found["created_at"], bool(found.get("email_verified", False))


class AudienceRepository:
    """The audience rule's one read (models.audience): here, where users are read, since
    it starts from the viewer's user document."""

    async def of(self, viewer_id: PydanticObjectId) -> Audience:
        """The viewer's role, blocks both ways and followees, in one query.

        `$map` rather than `"$blocking.blocked_id"`, which the embedded database
        does not resolve (db_quirks.ARRAY_PATH_IN_PROJECT).
        """

        def ids(edges: str, key: str) -> dict[str, Any]:
            return {"$map": {"input": f"${edges}", "in": f"$$this.{key}"}}

        def lookup(collection: str, local: str, into: str) -> dict[str, Any]:
            return {"$lookup": {"from": collection, "localField": "_id",
                                "foreignField": local, "as": into}}  # fmt: skip

        pipeline: list[dict[str, Any]] = [
            {"$match": {"_id": viewer_id}},
            lookup("blocks", "blocker_id", "blocking"),
            lookup("blocks", "blocked_id", "blocked_by"),
            lookup("follows", "follower_id", "following"),
            {"$project": {"_id": 0, "role": 1, "blocking": ids("blocking", "blocked_id"),
                          "blocked_by": ids("blocked_by", "blocker_id"),
                          "following": ids("following", "followee_id")}},
        ]  # fmt: skip
        cursor = await UserDocument.get_pymongo_collection().aggregate(pipeline)
        found = await cursor.to_list()
        if not found:
            return Audience(viewer_id=viewer_id)
        raw = found[0]
        return Audience(
            viewer_id=viewer_id,
            moderator=raw.get("role") == MODERATOR,
            hidden_users=frozenset(ids_of([*raw["blocking"], *raw["blocked_by"]])),
            followees=tuple(ids_of(raw["following"])),
            blocked_by=frozenset(ids_of(raw["blocked_by"])),
        )
