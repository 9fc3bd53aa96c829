"""workflows.audiences below the GraphQL layer: what it keeps, for how long, and what it
never keeps (a read that raced a write, an audience too large)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from beanie import PydanticObjectId

from models.audience import MODERATOR, Audience
from models.registry import Repositories
from models.user import AudienceRepository
from workflows.audiences import Audiences


class _CountedReads(AudienceRepository):
    """The real read, counted; `during` runs while a read is in flight."""

    def __init__(self) -> None:
        self.reads = 0
        self.during: asyncio.Event | None = None
        self.resume = asyncio.Event()

    async def of(self, viewer_id: PydanticObjectId) -> Audience:
        self.reads += 1
        found = await super().of(viewer_id)
        if self.during is not None:
            self.during.set()
            await self.resume.wait()
        return found


async def _climber(repos: Repositories, name: str) -> PydanticObjectId:
    user = await repos.users.create(
        email=f"{name}@example.com", email_normalized=f"{name}@example.com",
        pseudo=name, pseudo_normalized=name, password_hash="x",
    )  # fmt: skip
    assert user.id is not None
    return user.id


async def test_kept_until_forgotten_or_expired(
    repos: Repositories, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]  # the cache's monotonic clock, moved by hand: no timed test
    # Only the cache's own: the event loop's clock keeps running.
    monkeypatch.setattr("kit.cache.time", SimpleNamespace(monotonic=lambda: now[0]))
    reads = _CountedReads()
    audiences = Audiences(reads, ttl_seconds=10)
    viewer, other = await _climber(repos, "viewer"), await _climber(repos, "other")
    first = await audiences.of(viewer)
    assert await audiences.of(viewer) is first
    assert reads.reads == 1
    # Another machine's follow: not this one's write, seen once the entry expired.
    await repos.follows.follow(viewer, other)
    assert (await audiences.of(viewer)).followees == ()
    now[0] += 9.9
    assert (await audiences.of(viewer)).followees == ()
    now[0] += 0.2
    assert (await audiences.of(viewer)).followees == (other,)
    assert reads.reads == 2
    audiences.forget(viewer)
    await audiences.of(viewer)
    assert reads.reads == 3
    assert await audiences.fresh(viewer) is await audiences.of(viewer)  # read, then kept
    assert reads.reads == 4


async def test_a_read_that_raced_a_forget_is_used_once_and_not_kept(repos: Repositories) -> None:
    reads = _CountedReads()
    audiences = Audiences(reads)
    viewer, other = await _climber(repos, "viewer"), await _climber(repos, "other")
    reads.during = asyncio.Event()
    racing = asyncio.create_task(audiences.of(viewer))
    await reads.during.wait()  # read, not yet returned: now the block lands
    await repos.blocks.add(other, viewer)
    audiences.forget(other, viewer)
    reads.during = None
    reads.resume.set()
    assert (await racing).hidden_users == frozenset()  # what it read, before the block
    assert (await audiences.of(viewer)).hidden_users == {other}  # not what was kept
    assert reads.reads == 2


async def test_large_audiences_are_read_every_time(repos: Repositories) -> None:
    reads = _CountedReads()
    audiences = Audiences(reads, max_ids=2)
    viewer = await _climber(repos, "viewer")
    for index in range(3):
        await repos.follows.follow(viewer, await _climber(repos, f"followed{index}"))
    for _ in range(2):
        assert len((await audiences.of(viewer)).followees) == 3
    assert reads.reads == 2


async def test_a_moderator_s_audience_is_never_kept(repos: Repositories) -> None:
    """A revoked role ends on the next request: only the operator's command, in its own
    process, changes roles, and this machine cannot hear of it."""
    reads = _CountedReads()
    audiences = Audiences(reads)
    viewer = await _climber(repos, "viewer")
    await repos.users.set_role("viewer@example.com", MODERATOR)
    assert (await audiences.of(viewer)).moderator
    await repos.users.set_role("viewer@example.com", None)
    assert not (await audiences.of(viewer)).moderator
    assert reads.reads == 2
