"""What the gym's climbers say together: windows of days, the threshold, the crowd grade.

Aggregates over other climbers' logbooks (how many topped a problem, which grades a
circuit was logged at) may count every logbook, private ones included, but only when
enough distinct climbers contributed: below `CROWD_MIN_CLIMBERS` a number could point
at one person (one climber logged the pinks this month: the pinks' grades are theirs),
so the answer says there is not enough data instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from rules.climbing import GradeScale, grade_rank, grade_scale
from rules.errors import InvalidInput

CROWD_MIN_CLIMBERS = 5  # the default of the CROWD_MIN_CLIMBERS setting
CIRCUIT_MATCH_DAYS = 14  # the default of the CIRCUIT_MATCH_DAYS setting
CIRCUIT_DAYS_DEFAULT = 28
# A circuit stands a few weeks; a quarter covers any reset cycle and bounds what one
# request reads (the window's croix at that gym).
CIRCUIT_DAYS_MAX = 90


def enough_data(climbers: int, minimum: int) -> bool:
    """Whether an aggregate over `climbers` distinct climbers may be shown."""
    return climbers >= minimum


@dataclass(frozen=True, slots=True)
class DayWindow:
    """Session days `first` to `last`, both included (stored at midnight UTC)."""

    first: dt.date
    last: dt.date


def circuit_window(today: dt.date, days: int | None, field: str = "days") -> DayWindow:
    """The last `days` days up to today, plus tomorrow (the logbook accepts tomorrow's
    date: a climber east of UTC is already there)."""
    days = CIRCUIT_DAYS_DEFAULT if days is None else days
    if not 1 <= days <= CIRCUIT_DAYS_MAX:
        raise InvalidInput(field, f"must be between 1 and {CIRCUIT_DAYS_MAX}")
    return DayWindow(today - dt.timedelta(days=days - 1), today + dt.timedelta(days=1))


def match_window(day: dt.date, match_days: int) -> DayWindow:
    """The days within `match_days` of a croix's day, either side: the same circuit is
    probably still up (circuits are reset every few weeks)."""
    span = dt.timedelta(days=match_days)
    return DayWindow(day - span, day + span)


def main_scale(grade_counts: Iterable[tuple[str, int]]) -> GradeScale:
    """The scale most of a circuit's croix were logged in (Font on a tie)."""
    font = v = 0
    for grade, count in grade_counts:
        if grade_scale(grade) is GradeScale.V:
            v += count
        else:
            font += count
    return GradeScale.V if v > font else GradeScale.FONT


def crowd_grade(grade_counts: Iterable[tuple[str, int]]) -> str | None:
    """The median of the logged grades of the main scale, each croix one vote; with an
    even number of votes, the lower of the two middle grades (a grade, never between
    two). None without votes. Grades of the other scale are left out, never converted."""
    counts = list(grade_counts)
    scale = main_scale(counts)
    votes = sorted(
        ((grade, count) for grade, count in counts if count > 0 and grade_scale(grade) is scale),
        key=lambda item: grade_rank(item[0]),
    )
    total = sum(count for _, count in votes)
    if total == 0:
        return None
    middle = (total - 1) // 2  # the lower median's place among the sorted votes
    seen = 0
    for grade, count in votes:
        seen += count
        if seen > middle:
            return grade
    raise AssertionError("unreachable: the votes add up to `total`")


def grade_order(grade: str) -> tuple[int, int]:
    """How a circuit lists its grades: Font easiest first, then V easiest first."""
    return (0 if grade_scale(grade) is GradeScale.FONT else 1, grade_rank(grade))
