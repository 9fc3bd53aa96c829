"""The crowd's rules (rules.crowd): windows, the threshold, the crowd grade."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.climbing import FONT_GRADES, V_GRADES, grade_rank
from rules.crowd import (
    CIRCUIT_DAYS_MAX,
    circuit_window,
    crowd_grade,
    enough_data,
    grade_order,
    match_window,
)
from rules.errors import InvalidInput

TODAY = dt.date(2026, 3, 15)


def test_the_threshold_is_at_least_the_minimum() -> None:
    assert not enough_data(4, 5)
    assert enough_data(5, 5)


def test_a_circuit_window_ends_tomorrow_and_spans_the_days_asked() -> None:
    window = circuit_window(TODAY, 7)
    assert (window.first, window.last) == (dt.date(2026, 3, 9), dt.date(2026, 3, 16))
    assert circuit_window(TODAY, None).first == dt.date(2026, 2, 16)  # 28 days
    assert circuit_window(TODAY, 1).first == TODAY


@pytest.mark.parametrize("days", [0, -1, CIRCUIT_DAYS_MAX + 1, 10_000])
def test_windows_outside_1_to_the_maximum_are_refused(days: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        circuit_window(TODAY, days)
    assert caught.value.field == "days"


def test_the_match_window_is_so_many_days_either_side() -> None:
    window = match_window(TODAY, 14)
    assert (window.first, window.last) == (dt.date(2026, 3, 1), dt.date(2026, 3, 29))


def test_the_crowd_grade_is_the_lower_median_of_the_main_scale() -> None:
    assert crowd_grade([("6A", 4), ("6A+", 4), ("6B", 1)]) == "6A+"
    assert crowd_grade([("6A", 1), ("6B", 1)]) == "6A"  # even: the lower middle
    assert crowd_grade([("V3", 2), ("V4", 1), ("V5", 1), ("6B", 1), ("6A", 1)]) == "V3"
    assert crowd_grade([("V3", 1), ("6B", 1)]) == "6B"  # a tie of scales: Font
    assert crowd_grade([]) is None
    assert crowd_grade([("6A", 0)]) is None


GRADES = st.sampled_from([*FONT_GRADES, *V_GRADES])


@given(st.lists(st.tuples(GRADES, st.integers(min_value=1, max_value=50)), min_size=1))
def test_the_crowd_grade_splits_its_scales_votes_in_half(votes: list[tuple[str, int]]) -> None:
    median = crowd_grade(votes)
    assert median is not None
    same = [(g, n) for g, n in votes if (g in V_GRADES) == (median in V_GRADES)]
    below = sum(n for g, n in same if grade_rank(g) < grade_rank(median))
    at_most = sum(n for g, n in same if grade_rank(g) <= grade_rank(median))
    total = sum(n for _, n in same)
    assert below <= (total - 1) // 2 < at_most


def test_grades_list_font_then_v_easiest_first() -> None:
    assert sorted(["V2", "7A", "VB", "5+"], key=grade_order) == ["5+", "7A", "VB", "V2"]
