"""Account.logbook_visibility: who may see a climber by name beside their sends (ladders,
"also topped"), under blocks both ways and suspensions; aggregates count everyone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import resolvers.gym_crowd
from tests.support.client import Api, code_of
from tests.support.gym_crowd import (
    ALSO_TOPPED,
    MY_ACCOUNT,
    SET_VISIBILITY,
    Climber,
    circuits,
    climber,
    climbers,
    gym,
    ladder,
    my_rank,
    suspend,
    tick,
)
from tests.support.safety import BLOCK, UNBLOCK, make_moderator
from tests.support.social import follow

TODAY = dt.date(2026, 3, 15)
MARCH, DAY = "2026-03", "2026-03-10"


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resolvers.gym_crowd, "today_utc", lambda: TODAY)


async def _shown(api: Api, gym_id: str, viewer: Climber | None) -> set[str]:
    """Who the viewer sees by name: in the ladder and beside its own croix."""
    page = await ladder(api, gym_id, MARCH, None if viewer is None else viewer.token)
    names = {edge["node"]["user"]["id"] for edge in page["edges"]}
    if viewer is not None:
        (croix,) = (await api.data(ALSO_TOPPED, {}, viewer.token))["myCroix"]
        also = {edge["node"]["id"] for edge in croix["also_topped"]["edges"]}
        assert also == names - {viewer.id}, "the ladder and also_topped apply one rule"
    return names - {None if viewer is None else viewer.id}


async def _set(api: Api, who: Climber, visibility: str) -> Any:
    return (await api.data(SET_VISIBILITY, {"v": visibility}, who.token))["updateLogbookVisibility"]


async def test_a_logbook_is_private_until_its_owner_chooses_otherwise(api: Api) -> None:
    who = await climber(api, visibility=None)
    assert (await api.data(MY_ACCOUNT, {}, who.token))["myAccount"] == {
        "logbook_visibility": "PRIVATE"
    }
    for visibility in ("FOLLOWERS", "PUBLIC", "PRIVATE"):
        assert await _set(api, who, visibility) == {"logbook_visibility": visibility}
        assert (await api.data(MY_ACCOUNT, {}, who.token))["myAccount"] == {
            "logbook_visibility": visibility
        }
    error = await api.error(SET_VISIBILITY, {"v": "PUBLIC"})
    assert code_of(error) == "UNAUTHENTICATED"
    body = await api.execute(SET_VISIBILITY, {"v": "EVERYONE"}, who.token)
    assert body["errors"]


async def test_each_setting_admits_exactly_its_audience(api: Api) -> None:
    owner = await climber(api, visibility=None)
    fan, followed, stranger = await climbers(api, 3)
    moderator = await climber(api)
    await make_moderator(moderator.account)
    gym_id = await gym(api, owner)
    for who in (owner, fan, followed, stranger, moderator):
        await tick(api, who, gym_id, DAY, "blue", "6a")
    await follow(api, fan.account, owner.account)  # fan follows owner
    await follow(api, owner.account, followed.account)  # owner follows followed: not the way

    def sees_owner(names: set[str]) -> bool:
        return owner.id in names

    assert not any([sees_owner(await _shown(api, gym_id, v)) for v in (fan, followed,
                    stranger, moderator, None)])  # fmt: skip
    await _set(api, owner, "FOLLOWERS")
    assert sees_owner(await _shown(api, gym_id, fan))
    for viewer in (followed, stranger, moderator, None):
        assert not sees_owner(await _shown(api, gym_id, viewer))
    await _set(api, owner, "PUBLIC")
    for viewer in (fan, followed, stranger, moderator, None):
        assert sees_owner(await _shown(api, gym_id, viewer))
    await _set(api, owner, "PRIVATE")  # at once, nothing kept
    for viewer in (fan, followed, stranger, None):
        assert not sees_owner(await _shown(api, gym_id, viewer))


async def test_blocks_hide_both_ways_and_suspensions_hide_from_everyone_else(api: Api) -> None:
    blocker, blocked, bystander, suspended = await climbers(api, 4)
    extra = await climbers(api, 1)
    gym_id = await gym(api, bystander)
    for who in (blocker, blocked, bystander, suspended, *extra):
        await tick(api, who, gym_id, DAY, "blue", "6a")

    await api.data(BLOCK, {"id": blocked.id}, blocker.token)
    assert blocked.id not in await _shown(api, gym_id, blocker)
    assert blocker.id not in await _shown(api, gym_id, blocked)
    assert {blocker.id, blocked.id} <= await _shown(api, gym_id, bystander)
    await api.data(UNBLOCK, {"id": blocked.id}, blocker.token)
    assert blocked.id in await _shown(api, gym_id, blocker)

    await suspend(api, suspended)
    for viewer in (blocker, bystander, None):
        assert suspended.id not in await _shown(api, gym_id, viewer)
    # Aggregates still count every logbook: five climbers logged the blues.
    (blue,) = await circuits(api, gym_id, None)
    assert blue["climber_count"] == 5
    (croix,) = (await api.data(ALSO_TOPPED, {}, bystander.token))["myCroix"]
    assert croix["also_topped_count"] is None  # four others: below the threshold
    # One's own rank counts everyone: all five logged one blue 6A, a five-way tie.
    assert (await my_rank(api, gym_id, MARCH, bystander))["rank"] == 1
    assert len((await ladder(api, gym_id, MARCH, bystander.token))["edges"]) == 4
