"""rules.logbook_sync: a WatermelonDB change set, checked without I/O."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from rules.errors import InvalidInput
from rules.logbook_sync import InvalidRecord, parse_push


def _push(**tables: Any) -> dict[str, Any]:
    return {name: {"created": rows, "updated": [], "deleted": []} for name, rows in tables.items()}


def test_watermelon_bookkeeping_is_ignored_and_values_are_normalized() -> None:
    session = {"id": "a" * 16, "date": " 2025-03-14 ", "gym_id": "", "feeling": 4.0,
               "notes": "  crimpy\r\n", "_status": "created", "_changed": "",
               "created_at": 1, "updated_at": 2}  # fmt: skip
    croix = {"id": "b" * 16, "session_id": "a" * 16, "photo_url": None, "color": "Gray",
             "grade": "7b +", "status": "FLASH", "notes": None}  # fmt: skip
    pushed = parse_push(_push(sessions=[session], croix=[croix]))
    [row] = pushed.sessions
    assert (row.day, row.gym_id, row.feeling, row.notes) == (
        dt.date(2025, 3, 14), None, 4, "crimpy",
    )  # fmt: skip
    [logged] = pushed.croix
    assert (logged.photo_url, logged.color, logged.grade) == ("", "grey", "7B+")


@pytest.mark.parametrize(
    ("row", "field"),
    [({"feeling": True}, "feeling"), ({"feeling": 6}, "feeling"), ({"date": "14/03/2025"}, "date"),
     ({"notes": "\u202eevil"}, "notes"), ({"colour": "red"}, "colour"), ({"id": 5}, "id"),
     ({"id": "has space"}, "id"), ({"gym_id": ["x"]}, "gym_id")],
)  # fmt: skip
def test_a_bad_session_row_names_its_field(row: dict[str, Any], field: str) -> None:
    session = {"id": "s1", "date": "2025-03-14", **row}
    with pytest.raises(InvalidRecord) as refused:
        parse_push(_push(sessions=[session]))
    assert (refused.value.table, refused.value.field) == ("sessions", field)


@pytest.mark.parametrize(
    "changes",
    [[], "x", {"videos": {}}, {"sessions": []}, {"sessions": {"created": {}}},
     {"sessions": {"moved": []}}],
)  # fmt: skip
def test_a_wrong_shape_names_changes(changes: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_push(changes)
    assert refused.value.field == "changes"
