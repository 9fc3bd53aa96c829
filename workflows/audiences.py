"""Each viewer's audience (models.audience), cached briefly in process.

Every listing and lookup needs the viewer's role, blocks both ways and followees; read
per request, that was one database round trip in three of a feed page's (bench/). They
change rarely and only through a few writes, so they are cached like token versions:

- this machine forgets a viewer's entry at once when it writes what the entry holds
  (`forget`: a block or unblock forgets both users, a follow or unfollow the follower);
- another machine's blocks and follows (a blue-green deploy's old one) are seen within
  `ttl_seconds` (counted from the end of the read that kept the entry);
- the role, which only the operator's command changes, from another process: a
  moderator's audience is never kept, so a revoked role ends on the next request; a
  climber refused as no moderator is read again before the refusal (`fresh`,
  resolvers.context), so the moderation queries work for a new moderator at once; what
  listings show them (hidden videos too) follows within `ttl_seconds`.

A read racing a write cannot keep the older audience: an entry read while a `forget`
ran is used for that request and not kept. Audiences with many ids are not kept at all
(`max_ids`), so the cache stays small on a 256 MB machine: at most `size` entries of at
most `max_ids` ids, some 30 MB at the defaults if every entry were full (an ObjectId
and its share of a set is about 150 bytes), a few hundred KB in practice.
"""

from __future__ import annotations

from beanie import PydanticObjectId

from kit.cache import Lru
from models.audience import Audience
from models.user import AudienceRepository


class Audiences:
    def __init__(
        self,
        repo: AudienceRepository,
        *,
        ttl_seconds: float = 10.0,
        size: int = 1_000,
        max_ids: int = 200,
    ) -> None:
        self._repo = repo
        self._cache: Lru[PydanticObjectId, Audience] = Lru(size, ttl_seconds=ttl_seconds)
        self._max_ids = max_ids
        # Bumped by every `forget`: a read that saw it change keeps nothing.
        self._forgets = 0

    async def of(self, viewer_id: PydanticObjectId) -> Audience:
        """The viewer's audience: cached, or read in one query (and cached if small)."""
        cached = self._cache.get(viewer_id)
        if cached is not None:
            return cached
        forgets_before = self._forgets
        audience = await self._repo.of(viewer_id)
        size = len(audience.hidden_users) + len(audience.followees)
        if self._forgets == forgets_before and size <= self._max_ids and not audience.moderator:
            self._cache.put(viewer_id, audience)
        return audience

    async def fresh(self, viewer_id: PydanticObjectId) -> Audience:
        """The viewer's audience read now, whatever was kept. Not a `forget`: nothing
        was written, so reads in flight for other viewers may still be kept."""
        self._cache.pop(viewer_id)
        return await self.of(viewer_id)

    def forget(self, *user_ids: PydanticObjectId) -> None:
        """These users' blocks, follows or role just changed on this machine."""
        self._forgets += 1
        for user_id in user_ids:
            self._cache.pop(user_id)
