"""What a sync push may hold, checked without I/O: WatermelonDB's change set, its rows,
and the same field rules as the classic mutations (rules.climbing, rules.logbook,
rules.days, rules.text).

A push is `{table: {created: [row], updated: [row], deleted: [id]}}` for the tables
`sessions`, `croix` (and `gyms`, read-only: only empty lists). Rows are raw records:
`id`, then the fields by their names; WatermelonDB's own bookkeeping (`_status`,
`_changed`) and the server's (`created_at`, `updated_at`) are ignored. A bad row is
refused as `InvalidRecord`, naming its table, its id and the field.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from rules import logbook as logbook_rules
from rules.climbing import NOTES_MAX, normalize_color, normalize_grade
from rules.days import parse_logbook_day
from rules.errors import InvalidInput
from rules.text import client_id, text_block

MAX_PUSH_RECORDS = 1000
SESSIONS, CROIX, GYMS = "sessions", "croix", "gyms"
TABLES = (SESSIONS, CROIX, GYMS)
STATUSES = ("FLASH", "TOP", "PROJECT")
_KINDS = ("created", "updated", "deleted")
_IGNORED = frozenset({"_status", "_changed", "created_at", "updated_at"})
_SESSION_FIELDS = frozenset({"id", "date", "gym_id", "feeling", "notes"})
_CROIX_FIELDS = frozenset({"id", "session_id", "photo_url", "color", "grade", "status", "notes"})


class InvalidRecord(InvalidInput):
    """One pushed record cannot be used: `table`, `record_id` and `field` say where."""

    def __init__(self, table: str, record_id: str, field: str, message: str) -> None:
        super().__init__(field, message)
        self.table = table
        self.record_id = record_id


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: str
    day: dt.date
    gym_id: str | None
    feeling: int | None
    notes: str | None


@dataclass(frozen=True, slots=True)
class CroixRow:
    id: str
    session_id: str
    photo_url: str  # "" while the phone has not uploaded the photo yet
    color: str
    grade: str
    status: str
    notes: str | None


@dataclass(slots=True)
class PushedChanges:
    sessions: list[SessionRow] = field(default_factory=list)  # created or updated
    croix: list[CroixRow] = field(default_factory=list)
    deleted_sessions: list[str] = field(default_factory=list)
    deleted_croix: list[str] = field(default_factory=list)


def parse_push(changes: object) -> PushedChanges:
    """The push, every row checked; InvalidInput (field `changes`) for a wrong shape,
    InvalidRecord for a bad row."""
    if not isinstance(changes, dict):
        raise InvalidInput("changes", "must be an object of tables")
    unknown = sorted(set(changes) - set(TABLES))
    if unknown:
        raise InvalidInput("changes", f"unknown table {unknown[0]!r}: sessions, croix, gyms")
    tables = {name: _table(name, changes.get(name)) for name in TABLES}
    count = sum(len(rows) for table in tables.values() for rows in table.values())
    if count > MAX_PUSH_RECORDS:
        raise InvalidInput(
            "changes", f"at most {MAX_PUSH_RECORDS} records per push ({count} sent): "
            "push in several batches"
        )  # fmt: skip
    for kind in _KINDS:
        for raw in tables[GYMS][kind]:
            raise InvalidRecord(GYMS, _id_of(GYMS, raw), "id", "gyms are read-only in a sync: "
                                "create them with createGym")  # fmt: skip
    pushed = PushedChanges(
        sessions=[_session(raw) for kind in _KINDS[:2] for raw in tables[SESSIONS][kind]],
        croix=[_croix(raw) for kind in _KINDS[:2] for raw in tables[CROIX][kind]],
        deleted_sessions=[_deleted_id(SESSIONS, raw) for raw in tables[SESSIONS]["deleted"]],
        deleted_croix=[_deleted_id(CROIX, raw) for raw in tables[CROIX]["deleted"]],
    )
    _once_each(SESSIONS, [row.id for row in pushed.sessions], pushed.deleted_sessions)
    _once_each(CROIX, [row.id for row in pushed.croix], pushed.deleted_croix)
    return pushed


def _table(name: str, raw: object) -> dict[str, list[Any]]:
    if raw is None:
        return {kind: [] for kind in _KINDS}
    if not isinstance(raw, dict):
        raise InvalidInput("changes", f"{name} must be an object {{created, updated, deleted}}")
    unknown = sorted(set(raw) - set(_KINDS))
    if unknown:
        raise InvalidInput("changes", f"{name}: unknown key {unknown[0]!r}")
    lists: dict[str, list[Any]] = {}
    for kind in _KINDS:
        rows = raw.get(kind, [])
        if not isinstance(rows, list):
            raise InvalidInput("changes", f"{name}.{kind} must be a list")
        lists[kind] = rows
    return lists


def _id_of(table: str, raw: object) -> str:
    if not isinstance(raw, dict):
        raise InvalidRecord(table, "?", "id", "a record must be an object")
    return _record_id(table, raw.get("id"))


def _record_id(table: str, raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidRecord(table, "?", "id", "must be a string")
    try:
        return client_id(raw, "id")
    except InvalidInput as error:
        raise InvalidRecord(table, raw[:64], "id", error.message) from None


def _deleted_id(table: str, raw: object) -> str:
    return _record_id(table, raw)


def _fields(table: str, raw: dict[str, Any], allowed: frozenset[str]) -> str:
    record_id = _id_of(table, raw)
    for name in raw:
        if name not in allowed and name not in _IGNORED:
            raise InvalidRecord(table, record_id, str(name)[:64], "unknown field")
    return record_id


def _checked(table: str, record_id: str, name: str, rule: Any, *args: Any) -> Any:
    """`rule(*args)`, its InvalidInput naming the record."""
    try:
        return rule(*args)
    except InvalidInput as error:
        raise InvalidRecord(table, record_id, name, error.message) from None


def _text(table: str, record_id: str, raw: dict[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRecord(table, record_id, name, "must be a string or null")
    return _checked(table, record_id, name, text_block, value, name, NOTES_MAX)  # type: ignore[no-any-return]


def _required(table: str, record_id: str, raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str):
        raise InvalidRecord(table, record_id, name, "must be a string")
    return value


def _optional_id(table: str, record_id: str, raw: dict[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidRecord(table, record_id, name, "must be a string or null")
    return _checked(table, record_id, name, client_id, value, name)  # type: ignore[no-any-return]


def _feeling(record_id: str, raw: dict[str, Any]) -> int | None:
    value = raw.get("feeling")
    if value is None:
        return None
    # JSON numbers may arrive as floats (WatermelonDB's number columns): 3.0 is 3.
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidRecord(SESSIONS, record_id, "feeling", "must be a whole number or null")
    return _checked(SESSIONS, record_id, "feeling", logbook_rules.check_feeling, value)  # type: ignore[no-any-return]


def _session(raw: object) -> SessionRow:
    record_id = _id_of(SESSIONS, raw)
    assert isinstance(raw, dict)
    _fields(SESSIONS, raw, _SESSION_FIELDS)
    date = _required(SESSIONS, record_id, raw, "date")
    return SessionRow(
        id=record_id,
        day=_checked(SESSIONS, record_id, "date", parse_logbook_day, date),
        gym_id=_optional_id(SESSIONS, record_id, raw, "gym_id"),
        feeling=_feeling(record_id, raw),
        notes=_text(SESSIONS, record_id, raw, "notes"),
    )


def _croix(raw: object) -> CroixRow:
    record_id = _id_of(CROIX, raw)
    assert isinstance(raw, dict)
    _fields(CROIX, raw, _CROIX_FIELDS)
    session_id = _optional_id(CROIX, record_id, raw, "session_id")
    if session_id is None:
        raise InvalidRecord(CROIX, record_id, "session_id", "a croix belongs to a session")
    photo = raw.get("photo_url")
    if photo is not None and not isinstance(photo, str):
        raise InvalidRecord(CROIX, record_id, "photo_url", "must be a string or null")
    status = _required(CROIX, record_id, raw, "status")
    if status not in STATUSES:
        raise InvalidRecord(CROIX, record_id, "status", "must be FLASH, TOP or PROJECT")
    color = _required(CROIX, record_id, raw, "color")
    grade = _required(CROIX, record_id, raw, "grade")
    return CroixRow(
        id=record_id,
        session_id=session_id,
        photo_url=(photo or "").strip(),
        color=_checked(CROIX, record_id, "color", normalize_color, color),
        grade=_checked(CROIX, record_id, "grade", normalize_grade, grade),
        status=status,
        notes=_text(CROIX, record_id, raw, "notes"),
    )


def _once_each(table: str, upserted: list[str], deleted: list[str]) -> None:
    seen: set[str] = set()
    for record_id in [*upserted, *deleted]:
        if record_id in seen:
            raise InvalidRecord(table, record_id, "id", "appears more than once in this push")
        seen.add(record_id)
