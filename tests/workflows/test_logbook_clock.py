"""models.logbook_clock below the GraphQL layer: the stamps leases take and when the
clock settles (what makes a pull miss nothing)."""

from __future__ import annotations

import asyncio
import datetime as dt

from beanie import PydanticObjectId

from kit.clock import utcnow, utcnow_ms
from models.registry import Repositories

STALE = dt.timedelta(minutes=2)


async def test_concurrent_leases_take_distinct_stamps_and_settle_only_once_all_ended(
    repos: Repositories,
) -> None:
    clock, user = repos.logbook_clock, PydanticObjectId()
    seqs = await asyncio.gather(*(clock.begin(user, utcnow_ms()) for _ in range(40)))
    assert len(set(seqs)) == 40
    assert await clock.settle(user, now=utcnow(), stale_after=STALE, repair=True) < min(seqs)
    await asyncio.gather(*(clock.end(user) for _ in range(39)))
    # One write still open: nothing stamped since it began may be shown yet.
    assert await clock.settle(user, now=utcnow(), stale_after=STALE, repair=True) < min(seqs)
    await clock.end(user)
    settled = await clock.settle(user, now=utcnow(), stale_after=STALE, repair=True)
    assert settled >= max(seqs)
    # A later lease stamps after what was settled, even if the machine's clock went back.
    later = await clock.begin(user, utcnow_ms() - dt.timedelta(hours=1))
    assert later > settled


async def test_an_idle_clock_follows_time_and_a_dead_lease_is_closed_once_stale(
    repos: Repositories,
) -> None:
    clock, user = repos.logbook_clock, PydanticObjectId()
    first = await clock.settle(user, now=utcnow(), stale_after=STALE, repair=True)
    tomorrow = utcnow() + dt.timedelta(days=1)
    assert await clock.settle(user, now=tomorrow, stale_after=STALE, repair=True) > first

    dead = await clock.begin(user, utcnow_ms())  # its process dies: never ended
    soon = utcnow() + STALE / 2
    assert await clock.settle(user, now=soon, stale_after=STALE, repair=True) < dead
    later = utcnow() + STALE * 2
    assert await clock.settle(user, now=later, stale_after=STALE, repair=False) < dead
    assert await clock.settle(user, now=later, stale_after=STALE, repair=True) >= dead
