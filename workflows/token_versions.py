"""Which token version each user is on, cached briefly in process.

A user's tokens carry the `token_version` they were issued at; bumping the version on
the user (logout everywhere, password change) revokes them all. Checking it costs a
database read, so versions are cached for a few seconds: this machine forgets its
entry at once when it bumps a version, another machine within `ttl_seconds`.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from beanie import PydanticObjectId

from models.user import UserRepository

_MISSING = -1  # cached "no such user": a deleted account's tokens stop working too


class TokenVersions:
    def __init__(
        self, users: UserRepository, ttl_seconds: float = 30.0, size: int = 10_000
    ) -> None:
        self._users = users
        self._ttl = ttl_seconds
        self._size = size
        self._cache: OrderedDict[PydanticObjectId, tuple[float, int]] = OrderedDict()

    async def current(self, user_id: PydanticObjectId) -> int | None:
        """The user's current token version, or None when the user does not exist."""
        now = time.monotonic()
        cached = self._cache.get(user_id)
        if cached is not None and cached[0] > now:
            version = cached[1]
        else:
            stored = await self._users.token_version(user_id)
            version = _MISSING if stored is None else stored
            self._cache[user_id] = (now + self._ttl, version)
            self._cache.move_to_end(user_id)
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return None if version == _MISSING else version

    def forget(self, user_id: PydanticObjectId) -> None:
        self._cache.pop(user_id, None)
