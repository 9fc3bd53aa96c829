"""gymCircuits: what a gym's climbers logged per colour, counted from every logbook and
shown only above CROWD_MIN_CLIMBERS climbers; and Croix.also_topped.

"Today" is pinned by the test (resolvers.gym_crowd reads it through `today_utc`), so the
windows' edges are days the test names.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import resolvers.gym_crowd
from tests.support.client import Api, code_of
from tests.support.gym_crowd import (
    ALSO_TOPPED,
    CIRCUITS,
    Climber,
    circuits,
    climber,
    climbers,
    gym,
    tick,
)
from tests.support.logbook import DELETE_CROIX, DELETE_SESSION, UPDATE_CROIX, UPDATE_SESSION

TODAY = dt.date(2026, 3, 15)
HOSTILE = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resolvers.gym_crowd, "today_utc", lambda: TODAY)


def _day(days_before: int) -> str:
    return (TODAY - dt.timedelta(days=days_before)).isoformat()


def _by_color(found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {circuit["color"]: circuit for circuit in found}


NOT_ENOUGH = {
    "enough_data": False, "climber_count": None, "croix_count": None, "grades": None,
    "crowd_grade": None, "flash_rate": None,
}  # fmt: skip


async def test_four_climbers_give_no_number_and_the_fifth_gives_them_all(api: Api) -> None:
    crowd = await climbers(api, 5, visibility=None)  # private logbooks count in aggregates
    gym_id = await gym(api, crowd[0])
    for who in crowd[:4]:
        await tick(api, who, gym_id, _day(1), "blue", "6a")
        await tick(api, who, gym_id, _day(2), "blue", "6a+")  # the same climber: still one
    await tick(api, crowd[0], gym_id, _day(1), "pink", "7a")

    found = _by_color(await circuits(api, gym_id, crowd[0].token))
    assert found["blue"] == {"color": "blue", **NOT_ENOUGH}
    assert found["pink"] == {"color": "pink", **NOT_ENOUGH}

    await tick(api, crowd[4], gym_id, _day(0), "blue", "6b", "FLASH")
    found = _by_color(await circuits(api, gym_id, None))  # anonymous callers too
    assert found["blue"] == {
        "color": "blue", "enough_data": True, "climber_count": 5, "croix_count": 9,
        "grades": [{"grade": "6A", "count": 4}, {"grade": "6A+", "count": 4},
                   {"grade": "6B", "count": 1}],
        # Nine votes sorted: 6A x4, 6A+ x4, 6B: the fifth is a 6A+.
        "crowd_grade": "6A+",
        "flash_rate": 1 / 9,
    }  # fmt: skip
    assert found["pink"] == {"color": "pink", **NOT_ENOUGH}
    assert list(found) == ["blue", "pink"]  # by colour


async def test_font_and_v_are_kept_apart_and_the_main_scale_gives_the_crowd_grade(
    api: Api,
) -> None:
    crowd = await climbers(api, 6)
    gym_id = await gym(api, crowd[0])
    logged = [("v3", "TOP"), ("V3", "FLASH"), ("V4", "TOP"), ("v5", "PROJECT"),
              ("6b", "TOP"), ("6a", "FLASH")]  # fmt: skip
    for who, (grade, status) in zip(crowd, logged, strict=True):
        await tick(api, who, gym_id, _day(3), "yellow", grade, status)

    (yellow,) = await circuits(api, gym_id, crowd[0].token)
    assert yellow["grades"] == [
        {"grade": "6A", "count": 1}, {"grade": "6B", "count": 1},
        {"grade": "V3", "count": 2}, {"grade": "V4", "count": 1}, {"grade": "V5", "count": 1},
    ]  # fmt: skip
    # V is the main scale (4 croix to 2); its lower median of V3 V3 V4 V5 is V3. The Font
    # croix are not converted into it.
    assert yellow["crowd_grade"] == "V3"
    assert yellow["croix_count"] == 6
    assert yellow["flash_rate"] == pytest.approx(2 / 5)  # the project is no send


async def test_the_window_counts_whole_utc_days_at_that_gym_only(api: Api) -> None:
    crowd = await climbers(api, 5)
    gym_id, elsewhere = await gym(api, crowd[0]), await gym(api, crowd[0], "Bloc Shop")
    for who in crowd:
        await tick(api, who, gym_id, _day(6), "red", "6c")  # the 7th day back: in a 7-day window
    await tick(api, crowd[0], gym_id, _day(7), "red", "7a")  # the 8th: only in wider windows
    await tick(api, crowd[1], gym_id, _day(-1), "red", "6c+")  # tomorrow (east of UTC)
    await tick(api, crowd[2], elsewhere, _day(0), "red", "8a")  # another gym

    week = _by_color(await circuits(api, gym_id, None, days=7))["red"]
    assert week["croix_count"] == 6
    assert [g["grade"] for g in week["grades"]] == ["6C", "6C+"]
    default = _by_color(await circuits(api, gym_id, None))["red"]
    assert default["croix_count"] == 7
    assert [g["grade"] for g in default["grades"]] == ["6C", "6C+", "7A"]
    assert await circuits(api, gym_id, None, days=1) == [{"color": "red", **NOT_ENOUGH}]


async def test_edits_and_deletions_keep_every_count_exact(api: Api) -> None:
    crowd = await climbers(api, 6)
    gym_id, elsewhere = await gym(api, crowd[0]), await gym(api, crowd[0], "Bloc Shop")
    croix = [await tick(api, who, gym_id, _day(2), "green", "5+") for who in crowd]

    await api.data(UPDATE_CROIX, {"id": croix[0]["id"], "grade": "6a"}, crowd[0].token)
    await api.data(DELETE_CROIX, {"id": croix[1]["id"]}, crowd[1].token)
    (green,) = await circuits(api, gym_id, None)
    assert green["climber_count"] == 5
    assert green["grades"] == [{"grade": "5+", "count": 4}, {"grade": "6A", "count": 1}]

    # A session moved to another gym, another deleted: below the threshold again.
    await api.data(UPDATE_SESSION, {"id": croix[2]["session_id"], "gym_id": elsewhere},
                   crowd[2].token)  # fmt: skip
    await api.data(DELETE_SESSION, {"id": croix[3]["session_id"]}, crowd[3].token)
    assert await circuits(api, gym_id, None) == [{"color": "green", **NOT_ENOUGH}]
    (moved,) = await circuits(api, elsewhere, None)
    assert moved["enough_data"] is False


async def test_a_storm_of_concurrent_croix_is_counted_exactly(api: Api, db: Any) -> None:
    crowd = await climbers(api, 6)
    gym_id = await gym(api, crowd[0])
    for who in crowd:  # each climber's session of the day, so the storm only pushes croix
        await tick(api, who, gym_id, _day(0), "orange", "6a")
    grades = ["5", "5+", "6a", "6a+", "6b"]
    storm = [
        tick(api, who, gym_id, _day(0), "orange", grades[n % 5], ("TOP", "FLASH")[n % 2])
        for who in crowd
        for n in range(8)
    ]
    await asyncio.gather(*storm)

    (orange,) = await circuits(api, gym_id, None)
    cursor = await db.sessions.aggregate(
        [{"$match": {"gym_id": ObjectId(gym_id)}}, {"$unwind": "$croix"}, {"$count": "n"}]
    )
    stored = await cursor.to_list()
    assert orange["croix_count"] == stored[0]["n"] == 6 + 6 * 8
    assert sum(g["count"] for g in orange["grades"]) == orange["croix_count"]
    assert {g["grade"]: g["count"] for g in orange["grades"]} == {
        "5": 12, "5+": 12, "6A": 6 + 6 + 6, "6A+": 6, "6B": 6,
    }  # fmt: skip


async def test_unknown_and_malformed_gyms_are_refused(api: Api) -> None:
    error = await api.error(CIRCUITS, {"gym": str(ObjectId())})
    assert code_of(error) == "NOT_FOUND"
    error = await api.error(CIRCUITS, {"gym": "not-an-id"})
    assert code_of(error) == "BAD_USER_INPUT"


@HOSTILE
@given(
    # Within GraphQL's Int (32 bits; beyond, validation refuses the document itself).
    days=st.one_of(
        st.integers(min_value=-(2**31), max_value=0), st.integers(min_value=91, max_value=2**31 - 1)
    )
)
async def test_days_outside_1_to_90_are_refused(api: Api, days: int) -> None:
    error = await api.error(CIRCUITS, {"gym": str(ObjectId()), "days": days})
    assert code_of(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "days"


@HOSTILE
@given(raw=st.text(max_size=40))
async def test_any_gym_id_text_is_refused_or_not_found_never_a_crash(api: Api, raw: str) -> None:
    body = await api.execute(CIRCUITS, {"gym": raw})
    assert body["errors"]
    assert {code_of(e) for e in body["errors"]} <= {"BAD_USER_INPUT", "NOT_FOUND"}


# --- Croix.also_topped ------------------------------------------------------------------


async def _also(api: Api, who: Climber, **page: Any) -> dict[str, Any]:
    (croix,) = (await api.data(ALSO_TOPPED, page, who.token))["myCroix"]
    return croix  # type: ignore[no-any-return]


def _names(found: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in found["also_topped"]["edges"]]


async def test_also_topped_matches_gym_colour_grade_and_days_and_shows_only_visible_climbers(
    api: Api,
) -> None:
    me = await climber(api)
    public = await climbers(api, 3)
    private = await climbers(api, 2, visibility=None)
    gym_id, elsewhere = await gym(api, me), await gym(api, me, "Bloc Shop")
    await tick(api, public[0], gym_id, _day(34), "blue", "6a", "FLASH")  # 14 days before mine
    await tick(api, public[1], gym_id, _day(35), "blue", "6a")  # 15 days before: too early
    await tick(api, public[2], gym_id, _day(6), "blue", "6a")  # 14 days after mine
    for who in private:
        await tick(api, who, gym_id, _day(18), "blue", "6a")
    # Near misses: another grade, scale, colour, gym, a project; and my own repeat.
    await tick(api, public[1], gym_id, _day(20), "blue", "6a+")
    await tick(api, public[1], gym_id, _day(20), "blue", "V3")
    await tick(api, public[1], gym_id, _day(20), "green", "6a")
    await tick(api, public[1], elsewhere, _day(20), "blue", "6a")
    await tick(api, public[1], gym_id, _day(21), "blue", "6a", "PROJECT")
    await tick(api, me, gym_id, _day(19), "blue", "6a")
    await tick(api, me, gym_id, _day(20), "blue", "6a", "PROJECT")  # my croix, newest

    found = await _also(api, me)
    # The two private logbooks count in the number, never by name.
    assert _names(found) == [public[2].id, public[0].id]  # latest send first
    assert [e["sent_on"] for e in found["also_topped"]["edges"]] == [_day(6), _day(34)]
    assert found["also_topped_count"] is None  # 4 other climbers: below the threshold
    await tick(api, public[1], gym_id, _day(10), "blue", "6A")
    found = await _also(api, me)
    assert found["also_topped_count"] == 5
    assert _names(found) == [public[2].id, public[1].id, public[0].id]

    first = await _also(api, me, first=2)
    assert first["also_topped"]["pageInfo"]["hasNextPage"] is True
    rest = await _also(api, me, first=2, after=first["also_topped"]["pageInfo"]["endCursor"])
    assert _names(first) + _names(rest) == _names(found)
    assert rest["also_topped"]["pageInfo"]["hasNextPage"] is False


async def test_also_topped_is_asked_of_a_few_croix_per_document_not_a_whole_logbook(
    api: Api,
) -> None:
    """Each croix asking runs its own aggregation: the cost budget counts it as 1,900
    objects, so 25 croix fit in a document and a page of sessions does not."""
    who = await climber(api)
    count = "query($n: Int) { myCroix(limit: $n) { id also_topped_count } }"
    assert (await api.data(count, {"n": 25}, who.token))["myCroix"] == []
    error = await api.error(count, {"n": 30}, who.token)
    assert "too expensive" in error["message"]
    names = "{ mySessions { croix { also_topped(first: 1) { edges { cursor } } } } }"
    assert "too expensive" in (await api.error(names, {}, who.token))["message"]
