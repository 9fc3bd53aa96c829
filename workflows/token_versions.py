"""Which token version each user is on, cached briefly in process.

A user's tokens carry the `token_version` they were issued at; bumping the version on
the user (logout everywhere, password change) revokes them all. Checking it costs a
database read, so versions are cached for a few seconds: this machine forgets its
entry at once when it bumps a version, another machine within `ttl_seconds`.
"""

from __future__ import annotations

from beanie import PydanticObjectId

from kit.cache import Lru
from models.user import UserRepository

_MISSING = -1  # cached "no such user": a deleted account's tokens stop working too


class TokenVersions:
    def __init__(
        self, users: UserRepository, ttl_seconds: float = 30.0, size: int = 10_000
    ) -> None:
        self._users = users
        self._cache: Lru[PydanticObjectId, int] = Lru(size, ttl_seconds=ttl_seconds)

    async def current(self, user_id: PydanticObjectId) -> int | None:
        """The user's current token version, or None when the user does not exist."""
        version = self._cache.get(user_id)
        if version is None:
            stored = await self._users.token_version(user_id)
            version = _MISSING if stored is None else stored
            self._cache.put(user_id, version)
        return None if version == _MISSING else version

    def forget(self, user_id: PydanticObjectId) -> None:
        self._cache.pop(user_id)
