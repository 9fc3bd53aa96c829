"""Validation shared by videos and croix: grades, hold colours, free-text lengths.

Free text itself (captions, notes) follows `rules.text`.

Pure functions (unit-tested directly). Grades are stored normalized ("6a+" -> "6A+",
"v4" -> "V4") so that `mongosh` queries and statistics group what a climber typed
in any case.
"""

from __future__ import annotations

import re
from enum import Enum

from rules.errors import InvalidInput


class GradeScale(Enum):
    FONT = "FONT"
    V = "V"


# Fontainebleau bouldering scale, easiest first: 4, 4+, 5, 5+, 6A, 6A+ ... 8C+, 9A.
FONT_GRADES: tuple[str, ...] = (
    "4", "4+", "5", "5+",
    *(f"{n}{letter}{plus}" for n in (6, 7, 8) for letter in "ABC" for plus in ("", "+")),
    "9A",
)  # fmt: skip
# Hueco V scale, easiest first: VB, V0 ... V17.
V_GRADES: tuple[str, ...] = ("VB", *(f"V{n}" for n in range(18)))

_FONT_RANK = {grade: rank for rank, grade in enumerate(FONT_GRADES)}
_V_RANK = {grade: rank for rank, grade in enumerate(V_GRADES)}

# Hold colours as gyms tape them; aliases fold spelling variants into one stored value.
HOLD_COLORS: tuple[str, ...] = (
    "black", "blue", "brown", "green", "grey", "orange", "pink",
    "purple", "red", "turquoise", "white", "yellow",
)  # fmt: skip
_COLOR_ALIASES = {"gray": "grey", "violet": "purple", "cyan": "turquoise"}

CAPTION_MAX = 500
NOTES_MAX = 2000

_SPACES = re.compile(r"\s+")


def normalize_grade(raw: str, field: str = "grade") -> str:
    grade = _SPACES.sub("", raw).upper()
    if grade in _FONT_RANK or grade in _V_RANK:
        return grade
    raise InvalidInput(
        field, "must be a Fontainebleau grade (4 to 9A, e.g. 6A+) or a V grade (VB, V0 to V17)"
    )


def grade_scale(grade: str) -> GradeScale:
    """The scale of an already-normalized grade."""
    return GradeScale.V if grade in _V_RANK else GradeScale.FONT


def grade_rank(grade: str) -> int:
    """Difficulty rank within the grade's own scale (never compare across scales)."""
    return _V_RANK[grade] if grade in _V_RANK else _FONT_RANK[grade]


def normalize_color(raw: str, field: str = "color") -> str:
    color = raw.strip().lower()
    color = _COLOR_ALIASES.get(color, color)
    if color not in HOLD_COLORS:
        raise InvalidInput(field, "must be one of " + ", ".join(HOLD_COLORS))
    return color
