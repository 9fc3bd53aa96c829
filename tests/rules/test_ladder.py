"""The ladder's scale, months and ranks (rules.ladder), rule by rule."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.climbing import FONT_GRADES, V_GRADES
from rules.errors import InvalidInput
from rules.ladder import (
    FLASH_BONUS,
    GRADE_POINTS,
    HARDEST_KEYS,
    SCORED_GRADES,
    competition_rank,
    grade_of_key,
    hardest_key,
    parse_month,
    send_points,
)

TODAY = dt.date(2026, 3, 15)


def test_points_rise_with_each_font_step_and_a_flash_adds_half_a_step() -> None:
    points = [send_points(grade, flash=False) for grade in FONT_GRADES]
    assert points == list(range(10, 10 * len(FONT_GRADES) + 1, 10))
    assert send_points("6A", flash=False) == 50
    assert send_points("6A", flash=True) == 50 + FLASH_BONUS == 55
    assert send_points("9A", flash=False) == 230


def test_v_grades_score_as_their_usual_font_grade_and_rise_too() -> None:
    assert send_points("V0", flash=False) == send_points("5", flash=False)
    assert send_points("V3", flash=False) == send_points("6A+", flash=False)
    assert send_points("V10", flash=False) == send_points("7C+", flash=False)
    points = [send_points(grade, flash=False) for grade in V_GRADES]
    assert points == sorted(points)
    assert len(set(points)) == len(points)


def test_the_database_table_says_what_send_points_says() -> None:
    assert len(SCORED_GRADES) == len(GRADE_POINTS) == len(HARDEST_KEYS)
    for grade, points, key in zip(SCORED_GRADES, GRADE_POINTS, HARDEST_KEYS, strict=True):
        assert points == send_points(grade, flash=False)
        assert grade_of_key(key) == grade


def test_the_hardest_key_orders_by_points_then_font_before_v() -> None:
    assert hardest_key("7A") > hardest_key("6C+")
    assert hardest_key("6B+") > hardest_key("V4")  # equal points: the Font grade wins
    assert hardest_key("V5") > hardest_key("6B+")
    assert max(["V4", "6B+", "6A"], key=hardest_key) == "6B+"


@pytest.mark.parametrize(
    ("raw", "start", "end"),
    [("2026-03", dt.date(2026, 3, 1), dt.date(2026, 4, 1)),
     (" 2026-12 ", dt.date(2026, 12, 1), dt.date(2027, 1, 1)),
     ("2027-12", dt.date(2027, 12, 1), dt.date(2028, 1, 1)),
     ("1900-01", dt.date(1900, 1, 1), dt.date(1900, 2, 1))],
)  # fmt: skip
def test_a_month_runs_from_its_first_day_to_the_next_months(
    raw: str, start: dt.date, end: dt.date
) -> None:
    assert parse_month(raw, TODAY) == (start, end)


@pytest.mark.parametrize(
    "raw", ["2026-13", "2026-00", "2026-3", "2026-003", "1899-12", "2028-01", "", "२०२६-०३"]
)
def test_impossible_months_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_month(raw, TODAY)
    assert caught.value.field == "month"


@given(st.text(max_size=12))
def test_any_text_is_a_month_or_refused(raw: str) -> None:
    try:
        start, end = parse_month(raw, TODAY)
    except InvalidInput:
        return
    assert start.day == end.day == 1
    assert start < end


def test_ranks_are_competition_ranks() -> None:
    counts = [(125, 2), (110, 1), (60, 1)]
    assert [competition_rank(p, counts) for p in (125, 110, 60)] == [1, 3, 4]
    assert competition_rank(200, counts) == 1
    assert competition_rank(0, []) == 1
