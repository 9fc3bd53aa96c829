import pytest

from rules.climbing import (
    FONT_GRADES,
    V_GRADES,
    GradeScale,
    grade_rank,
    grade_scale,
    normalize_color,
    normalize_grade,
)
from rules.errors import InvalidInput


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("6a+", "6A+"), (" 7c ", "7C"), ("4", "4"), ("5+", "5+"), ("9a", "9A"), ("v4", "V4"),
     ("VB", "VB"), ("v17", "V17"), ("8B+", "8B+")],
)  # fmt: skip
def test_grades_are_normalized(raw: str, stored: str) -> None:
    assert normalize_grade(raw) == stored


@pytest.mark.parametrize("raw", ["", "3", "9A+", "9B", "6D", "V18", "V-1", "5.12a", "6A++", "hard"])
def test_unknown_grades_are_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_grade(raw)
    assert caught.value.field == "grade"


def test_scales_have_the_documented_bounds_and_order() -> None:
    assert FONT_GRADES[0] == "4"
    assert FONT_GRADES[-1] == "9A"
    assert V_GRADES[0] == "VB"
    assert V_GRADES[-1] == "V17"
    assert grade_rank("6A+") < grade_rank("6B") < grade_rank("7A")
    assert grade_scale("V3") is GradeScale.V
    assert grade_scale("6A") is GradeScale.FONT


def test_colors_are_lower_cased_and_aliased() -> None:
    assert normalize_color(" Yellow ") == "yellow"
    assert normalize_color("GRAY") == "grey"
    with pytest.raises(InvalidInput):
        normalize_color("chartreuse")
