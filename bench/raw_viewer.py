"""Who is asking, for the hand-written endpoint: the token and the viewer's audience,
checked as the API checks them (issue 28: an honest limit does what a correct feed must).

Hand-written on PyJWT and PyMongo, with the API's own tricks and nothing more:

- the token: PyJWT with the pinned algorithm, issuer, audience, leeway and required
  claims; a token that passed is remembered by its text until it expires (the API's
  kit/tokens.py memo); then the user's token version, read with a one-field `find_one`
  and kept 30 s (workflows/token_versions.py): a revoked or deleted account's token is
  refused;
- the audience: role, blocks both ways and followees in one aggregation (the API's
  models/user.py `AudienceRepository.of`), kept 10 s when small and not a
  moderator's (workflows/audiences.py);
- the filter: the same clauses as models/audience.py `video_filter`, written out here.

The clock is `time.monotonic` / `time.time` read through this module, so a measure may
stand it still (bench/instructions.py) as the API's caches' clock is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt
from bson import ObjectId
from bson.errors import InvalidId
from pymongo.asynchronous.database import AsyncDatabase

VERSION_TTL = 30.0
AUDIENCE_TTL = 10.0
AUDIENCE_MAX_IDS = 200
MEMO_SIZE = 10_000
_HIDDEN_VISIBILITIES = ["FOLLOWERS", "PRIVATE"]


class Refused(Exception):
    """The bearer token cannot be used: answered 401."""


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: ObjectId | None  # None: anonymous
    moderator: bool = False
    hidden: tuple[ObjectId, ...] = ()  # blocked by or blocking the viewer, sorted
    followees: tuple[ObjectId, ...] = ()


ANONYMOUS = Viewer(None)


class ViewerCheck:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], secret: str, leeway: int = 30) -> None:
        self.db = db
        self.secret = secret
        self.leeway = leeway
        self._tokens: dict[str, tuple[ObjectId, int, float]] = {}
        self._versions: dict[ObjectId, tuple[int | None, float]] = {}
        self._audiences: dict[ObjectId, tuple[Viewer, float]] = {}

    async def viewer(self, authorization: str) -> Viewer:
        """The viewer of a request by its Authorization header; raises Refused."""
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Refused
        user_id, version = self._claims(token)
        if await self._version(user_id) != version:
            raise Refused
        return await self._audience(user_id)

    def _claims(self, token: str) -> tuple[ObjectId, int]:
        remembered = self._tokens.get(token)
        if remembered is not None:
            if time.time() < remembered[2]:
                return remembered[0], remembered[1]
            del self._tokens[token]
            raise Refused
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=["HS256"],
                issuer="perfect-boulder",
                audience="perfect-boulder-app",
                leeway=self.leeway,
                options={"require": ["sub", "iat", "exp", "iss", "aud"]},
            )
            user_id = ObjectId(claims["sub"])
        except (jwt.PyJWTError, InvalidId, TypeError) as error:
            raise Refused from error
        version = claims.get("ver", 0)
        if not isinstance(version, int):
            raise Refused
        if len(self._tokens) >= MEMO_SIZE:
            self._tokens.pop(next(iter(self._tokens)))
        self._tokens[token] = (user_id, version, float(claims["exp"]) + self.leeway)
        return user_id, version

    async def _version(self, user_id: ObjectId) -> int | None:
        kept = self._versions.get(user_id)
        if kept is not None and time.monotonic() < kept[1]:
            return kept[0]
        found = await self.db.users.find_one({"_id": user_id}, {"token_version": 1})
        version = None if found is None else int(found.get("token_version", 0))
        self._versions[user_id] = (version, time.monotonic() + VERSION_TTL)
        return version

    async def _audience(self, user_id: ObjectId) -> Viewer:
        kept = self._audiences.get(user_id)
        if kept is not None and time.monotonic() < kept[1]:
            return kept[0]
        pipeline: list[dict[str, Any]] = [
            {"$match": {"_id": user_id}},
            {"$lookup": {"from": "blocks", "localField": "_id", "foreignField": "blocker_id",
                         "as": "blocking"}},
            {"$lookup": {"from": "blocks", "localField": "_id", "foreignField": "blocked_id",
                         "as": "blocked_by"}},
            {"$lookup": {"from": "follows", "localField": "_id", "foreignField": "follower_id",
                         "as": "following"}},
            {"$project": {"_id": 0, "role": 1,
                          "blocking": {"$map": {"input": "$blocking", "in": "$$this.blocked_id"}},
                          "blocked_by": {"$map": {"input": "$blocked_by",
                                                  "in": "$$this.blocker_id"}},
                          "following": {"$map": {"input": "$following",
                                                 "in": "$$this.followee_id"}}}},
        ]  # fmt: skip
        found = await (await self.db.users.aggregate(pipeline)).to_list()
        if not found:
            return Viewer(user_id)
        raw = found[0]
        viewer = Viewer(
            user_id,
            moderator=raw.get("role") == "MODERATOR",
            hidden=tuple(sorted({*raw["blocking"], *raw["blocked_by"]})),
            followees=tuple(raw["following"]),
        )
        if not viewer.moderator and len(viewer.hidden) + len(viewer.followees) <= AUDIENCE_MAX_IDS:
            self._audiences[user_id] = (viewer, time.monotonic() + AUDIENCE_TTL)
        return viewer


def visible_videos(viewer: Viewer) -> dict[str, Any]:
    """The `$match` clauses of the videos this viewer may see (models/audience.py)."""
    if viewer.moderator:
        return {}
    admitted: list[dict[str, Any]] = [{"visibility": {"$nin": _HIDDEN_VISIBILITIES}}]
    if viewer.followees:
        admitted.append({"visibility": "FOLLOWERS", "user_id": {"$in": list(viewer.followees)}})
    others: dict[str, Any] = {"withheld.0": {"$exists": False}, "$or": admitted}
    clauses: list[dict[str, Any]] = []
    if viewer.hidden:
        clauses.append({"user_id": {"$nin": list(viewer.hidden)}})
    clauses.append(
        others if viewer.user_id is None else {"$or": [{"user_id": viewer.user_id}, others]}
    )
    return {"$and": clauses}


def visible_comments(viewer: Viewer) -> dict[str, Any]:
    """The clauses of the comments this viewer may see (models/audience.py
    `comment_filter`): none by someone blocked either way, none withheld (hidden by
    moderation, or its author suspended) unless the viewer wrote it."""
    if viewer.moderator:
        return {}
    clauses: list[dict[str, Any]] = []
    if viewer.hidden:
        clauses.append({"user_id": {"$nin": list(viewer.hidden)}})
    others = {"withheld.0": {"$exists": False}}
    clauses.append(
        others if viewer.user_id is None else {"$or": [{"user_id": viewer.user_id}, others]}
    )
    return {"$and": clauses}
