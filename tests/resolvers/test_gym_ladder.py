"""gymLadder and myLadderRank: points by the documented scale (rules.ladder), ties,
months of UTC days, names only from visible logbooks, one's own rank among everyone."""

from __future__ import annotations

import datetime as dt

import pytest
from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import resolvers.gym_crowd
from tests.support.client import Api, code_of
from tests.support.gym_crowd import (
    LADDER,
    MY_RANK,
    climber,
    climbers,
    gym,
    ladder,
    ladder_rows,
    my_rank,
    tick,
)
from tests.support.logbook import DELETE_CROIX, UPDATE_CROIX

TODAY = dt.date(2026, 3, 15)
MARCH = "2026-03"
HOSTILE = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resolvers.gym_crowd, "today_utc", lambda: TODAY)


async def test_points_follow_the_scale_repeats_score_once_and_ties_share_a_rank(api: Api) -> None:
    a, b, c, d = await climbers(api, 4)
    hidden = await climber(api, visibility=None)  # a private logbook
    gym_id = await gym(api, a)
    # a: blue 6A twice (one problem: 50), red 6B flashed (70 + 5) = 125.
    await tick(api, a, gym_id, "2026-03-02", "blue", "6a")
    await tick(api, a, gym_id, "2026-03-09", "blue", "6A")
    await tick(api, a, gym_id, "2026-03-09", "red", "6b", "FLASH")
    await tick(api, a, gym_id, "2026-03-09", "black", "8a", "PROJECT")  # no send, no points
    # b: black 6B (70), grey 6A flashed then topped again (50 + 5): 125, a tie with a.
    await tick(api, b, gym_id, "2026-03-03", "black", "6b")
    await tick(api, b, gym_id, "2026-03-03", "grey", "6a", "FLASH")
    await tick(api, b, gym_id, "2026-03-10", "grey", "6a", "TOP")
    # c: V3, worth a 6A+ (60); d: 7A (110); the private climber: 8A (170) and 8A+ (180).
    await tick(api, c, gym_id, "2026-03-04", "yellow", "v3")
    await tick(api, d, gym_id, "2026-03-05", "white", "7a")
    await tick(api, hidden, gym_id, "2026-03-05", "pink", "8a")
    await tick(api, hidden, gym_id, "2026-03-05", "pink", "8a+")

    page = await ladder(api, gym_id, MARCH, c.token)
    tied = sorted([a.id, b.id])
    # The private climber is not shown, and leaves no gap: ranks count those shown.
    assert ladder_rows(page) == [
        (1, tied[0], 125, 2, "6B"), (1, tied[1], 125, 2, "6B"),
        (3, d.id, 110, 1, "7A"), (4, c.id, 60, 1, "V3"),
    ]  # fmt: skip
    # One's own rank counts everyone, the private climber too.
    assert await my_rank(api, gym_id, MARCH, a) == {
        "rank": 2, "points": 125, "sends": 2, "hardest_grade": "6B", "user": {"id": a.id},
    }  # fmt: skip
    assert (await my_rank(api, gym_id, MARCH, hidden))["rank"] == 1
    assert (await my_rank(api, gym_id, MARCH, hidden))["points"] == 350
    # And the private climber sees themselves in the ladder they browse.
    assert ladder_rows(await ladder(api, gym_id, MARCH, hidden.token))[0] == (
        1, hidden.id, 350, 2, "8A+",
    )  # fmt: skip


async def test_a_v_grade_and_a_font_grade_of_equal_points_name_the_font_one_hardest(
    api: Api,
) -> None:
    (who,) = await climbers(api, 1)
    gym_id = await gym(api, who)
    await tick(api, who, gym_id, "2026-03-02", "blue", "V4")  # worth a 6B+: 80
    await tick(api, who, gym_id, "2026-03-02", "red", "6b+")
    assert ladder_rows(await ladder(api, gym_id, MARCH, None)) == [(1, who.id, 160, 2, "6B+")]


async def test_months_are_utc_calendar_months_of_session_days(api: Api) -> None:
    (who,) = await climbers(api, 1)
    gym_id, elsewhere = await gym(api, who), await gym(api, who, "Bloc Shop")
    await tick(api, who, gym_id, "2026-02-28", "blue", "5")  # 30, February
    await tick(api, who, gym_id, "2026-03-01", "blue", "5+")  # 40, the first day of March
    await tick(api, who, gym_id, "2026-03-31", "blue", "6a")  # 50, the last day of March
    await tick(api, who, gym_id, "2026-04-01", "blue", "5+")  # April: the same problem again
    await tick(api, who, elsewhere, "2026-03-10", "blue", "7a")  # another gym

    assert ladder_rows(await ladder(api, gym_id, MARCH, None)) == [(1, who.id, 90, 2, "6A")]
    assert ladder_rows(await ladder(api, gym_id, "2026-02", None)) == [(1, who.id, 30, 1, "5")]
    assert ladder_rows(await ladder(api, gym_id, "2026-04", None)) == [(1, who.id, 40, 1, "5+")]
    assert ladder_rows(await ladder(api, gym_id, "2026-05", None)) == []
    assert await my_rank(api, gym_id, "2026-05", who) is None


async def test_edits_and_deletions_change_the_points_at_once(api: Api) -> None:
    (who,) = await climbers(api, 1)
    gym_id = await gym(api, who)
    flash = await tick(api, who, gym_id, "2026-03-02", "red", "6b", "FLASH")  # 75
    top = await tick(api, who, gym_id, "2026-03-02", "red", "6b")  # the same problem
    await api.data(DELETE_CROIX, {"id": flash["id"]}, who.token)
    assert (await my_rank(api, gym_id, MARCH, who))["points"] == 70
    await api.data(UPDATE_CROIX, {"id": top["id"], "grade": "7a"}, who.token)
    assert (await my_rank(api, gym_id, MARCH, who))["points"] == 110
    await api.data(UPDATE_CROIX, {"id": top["id"], "status": "PROJECT"}, who.token)
    assert await my_rank(api, gym_id, MARCH, who) is None


async def test_a_ladder_pages_by_cursor_without_skipping_or_repeating(api: Api) -> None:
    crowd = await climbers(api, 5)
    gym_id = await gym(api, crowd[0])
    for n, who in enumerate(crowd):
        await tick(api, who, gym_id, "2026-03-02", "blue", ["5", "6a", "6a", "7a", "5+"][n])
    whole = ladder_rows(await ladder(api, gym_id, MARCH, None))
    assert [row[0] for row in whole] == [1, 2, 2, 4, 5]

    rows, after = [], None
    while True:
        page = await ladder(api, gym_id, MARCH, None, first=2, after=after)
        rows += ladder_rows(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert rows == whole


async def test_my_ladder_rank_needs_a_signed_in_climber(api: Api) -> None:
    (who,) = await climbers(api, 1)
    gym_id = await gym(api, who)
    error = await api.error(MY_RANK, {"gym": gym_id, "month": MARCH})
    assert code_of(error) == "UNAUTHENTICATED"
    error = await api.error(LADDER, {"gym": str(ObjectId()), "month": MARCH})
    assert code_of(error) == "NOT_FOUND"
    error = await api.error(LADDER, {"gym": gym_id, "month": MARCH, "after": "bm9wZQ=="})
    assert code_of(error) == "BAD_USER_INPUT"
    for document in (LADDER, MY_RANK):
        error = await api.error(document, {"gym": "0" * 25, "month": MARCH}, who.token)
        assert code_of(error) == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == "gym_id"


@pytest.mark.parametrize(
    "month", ["2026-13", "2026-00", "2026-3", "26-03", "2026/03", "1899-12", "2028-01", "", "march"]
)
async def test_impossible_months_are_refused_naming_the_field(api: Api, month: str) -> None:
    (who,) = await climbers(api, 1)
    gym_id = await gym(api, who)
    for document in (LADDER, MY_RANK):
        error = await api.error(document, {"gym": gym_id, "month": month}, who.token)
        assert code_of(error) == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == "month"


@HOSTILE
@given(month=st.text(max_size=20).filter(lambda text: len(text.strip()) != 7))
async def test_any_text_but_a_month_is_refused_never_a_crash(api: Api, month: str) -> None:
    error = await api.error(LADDER, {"gym": str(ObjectId()), "month": month})
    assert code_of(error) == "BAD_USER_INPUT"
