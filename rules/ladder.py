"""A gym's monthly ladder: the points scale, the month a ladder covers, ranks with ties.

The scale (what the app shows climbers, so it must stay simple to say):
- a send (TOP or FLASH) scores its grade's points: 10 for a Font 4, then 10 more for each
  step of the Font scale (4+ 20, 5 30 ... 6A 50, 6A+ 60 ... 7A 110 ... 9A 230);
- a V grade scores the points of the Font grade it is usually climbed as (the table
  below: V0 = 5 = 30, V3 = 6A+ = 60, V5 = 6C = 90, V10 = 7C+ = 160 ...). The V grade is
  never shown as a Font one: the table only says what a V send is worth;
- a flash adds FLASH_BONUS (half a grade step);
- each problem, i.e. hold colour + grade, counts once per climber per month (its best
  send: a flash if any of its croix is one), so logging the same blue 6A five times scores
  it once: repeats do not farm points;
- a climber's points are the sum over their problems of the month; `sends` is how many
  problems scored; the hardest grade is the grade of the problem worth the most points
  (between a Font and a V grade of equal points, the Font one).

Ranks are competition ranks: equal points share a rank and the next rank skips (1, 1, 3).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from rules.climbing import FONT_GRADES, V_GRADES
from rules.errors import InvalidInput

GRADE_STEP = 10
FLASH_BONUS = GRADE_STEP // 2

# Each V grade's usual Font equivalent, for scoring only.
_V_AS_FONT: dict[str, str] = {
    "VB": "4", "V0": "5", "V1": "5+", "V2": "6A", "V3": "6A+", "V4": "6B+", "V5": "6C",
    "V6": "7A", "V7": "7A+", "V8": "7B", "V9": "7C", "V10": "7C+", "V11": "8A",
    "V12": "8A+", "V13": "8B", "V14": "8B+", "V15": "8C", "V16": "8C+", "V17": "9A",
}  # fmt: skip

_FONT_POINTS = {grade: GRADE_STEP * (rank + 1) for rank, grade in enumerate(FONT_GRADES)}

# Every grade (Font first, then V) and its points, in one order: what the database's
# aggregation looks grades up in (`$indexOfArray`), so no croix is read into Python.
SCORED_GRADES: tuple[str, ...] = (*FONT_GRADES, *V_GRADES)
GRADE_POINTS: tuple[int, ...] = (
    *(_FONT_POINTS[grade] for grade in FONT_GRADES),
    *(_FONT_POINTS[_V_AS_FONT[grade]] for grade in V_GRADES),
)


def send_points(grade: str, *, flash: bool) -> int:
    """What one problem sent at `grade` scores (a normalized grade of either scale)."""
    base = _FONT_POINTS[grade] if grade in _FONT_POINTS else _FONT_POINTS[_V_AS_FONT[grade]]
    return base + (FLASH_BONUS if flash else 0)


def hardest_key(grade: str) -> int:
    """A number that orders grades by points, a Font grade before a V grade of equal
    points, and gives the grade back (`grade_of_key`): the database takes its `$max`.
    Points first, then the grade's place in SCORED_GRADES (Font places come first and
    get the larger remainder)."""
    position = SCORED_GRADES.index(grade)
    return GRADE_POINTS[position] * 100 + (99 - position)


# Aligned with SCORED_GRADES, for the aggregation.
HARDEST_KEYS: tuple[int, ...] = tuple(hardest_key(grade) for grade in SCORED_GRADES)


def grade_of_key(key: int) -> str:
    return SCORED_GRADES[99 - key % 100]


_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
EARLIEST_YEAR = 1900  # as the logbook's earliest day (rules.days.EARLIEST_DAY)


def parse_month(raw: str, today: dt.date, field: str = "month") -> tuple[dt.date, dt.date]:
    """A ladder's month, `YYYY-MM`: its first day and the first day of the next month.

    Months end at midnight UTC, as session days are stored. A month after next year's
    is refused (no logbook can hold sends then, and the bound keeps dates computable).
    """
    found = _MONTH.fullmatch(raw.strip())
    if found is None:
        raise InvalidInput(field, "must be a month written YYYY-MM")
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12:
        raise InvalidInput(field, "must name a month from 01 to 12")
    if not EARLIEST_YEAR <= year <= today.year + 1:
        raise InvalidInput(field, f"must be between {EARLIEST_YEAR} and next year")
    start = dt.date(year, month, 1)
    end = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return start, end


def competition_rank(points: int, score_counts: Iterable[tuple[int, int]]) -> int:
    """1 + how many climbers scored more than `points`, from (points, climbers) pairs:
    equal points share a rank, and the next rank counts everyone above (1, 1, 3)."""
    return 1 + sum(climbers for scored, climbers in score_counts if scored > points)
