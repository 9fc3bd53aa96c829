"""What a gym's climbers logged together: circuits, monthly ladders, who else topped it.

Read from the croix embedded in `sessions`, never from counters: each answer is one
aggregation whose first stage a `{gym_id, date}` range of the `gym_days` index serves
(then `$unwind` + `$group` in the database; no croix is loaded into Python). Whatever
path writes croix (createCroix, edits, deletions, a device's sync), the answers are
exact on the next read: nothing here needs to be kept in step.

Who appears by name is decided inside the pipelines, after the rows are grouped per
climber, by models.audience.visible_logbook_stages; aggregates count every logbook and
the caller (workflows.gym_crowd) hides them below the threshold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId
from pymongo.asynchronous.collection import AsyncCollection

from kit.clock import midnight_utc
from models.audience import Audience, visible_logbook_stages
from models.climb_session import ClimbSession
from models.statuses import FLASH, SENDS

SEND_STATUSES = list(SENDS)
# (points, user id) of the last ladder row seen: the ladder's order is points
# descending, then user id ascending (a total order).
LadderKey = tuple[int, PydanticObjectId]
# (day, user id) of the last "also topped" climber seen: latest send first.
DayUserKey = tuple[dt.datetime, PydanticObjectId]


@dataclass(frozen=True, slots=True)
class GradeTally:
    grade: str
    croix: int
    sends: int
    flashes: int


@dataclass(frozen=True, slots=True)
class CircuitTally:
    """One colour at one gym over a window: distinct climbers and croix per grade."""

    color: str
    climbers: int
    grades: list[GradeTally]


@dataclass(frozen=True, slots=True)
class LadderRow:
    user_id: PydanticObjectId
    points: int
    sends: int
    hardest_key: int  # rules.ladder.hardest_key of the hardest problem


@dataclass(frozen=True, slots=True)
class LadderPage:
    rows: list[LadderRow]
    has_next: bool
    # (points, climbers) over every row of this ladder (not only the page): ranks.
    score_counts: list[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class Standing:
    row: LadderRow | None  # None: no send that month
    score_counts: list[tuple[int, int]]  # over every climber of the gym and month


@dataclass(frozen=True, slots=True)
class Anchor:
    """A croix and where it was logged: what "also topped" matches against."""

    owner_id: PydanticObjectId
    gym_id: PydanticObjectId | None
    day: dt.date
    color: str
    grade: str


@dataclass(frozen=True, slots=True)
class ScoringTable:
    """The ladder's scale as the database applies it (from rules.ladder): each grade,
    its points and its hardest-key, aligned; the flash bonus."""

    grades: Sequence[str]
    points: Sequence[int]
    hardest_keys: Sequence[int]
    flash_bonus: int


def _sessions() -> AsyncCollection[dict[str, Any]]:
    collection: AsyncCollection[dict[str, Any]] = ClimbSession.get_pymongo_collection()
    return collection


def _gym_days(
    gym_id: PydanticObjectId, first: dt.datetime, *, before: dt.datetime
) -> dict[str, Any]:
    """The gym's sessions dated `first` up to (not including) `before`: an equality and a
    range on the `gym_days` index, so MongoDB reads those index keys and documents only."""
    return {"gym_id": gym_id, "date": {"$gte": first, "$lt": before}}


def _after_day(day: dt.date) -> dt.datetime:
    return midnight_utc(day + dt.timedelta(days=1))


# What the crowd reads of a session: who, and each croix' colour, grade and status; not
# the photos, notes and ids, which would be copied by every `$unwind` for nothing.
_CROIX_FIELDS: dict[str, Any] = {
    "$project": {"user_id": 1, "croix.color": 1, "croix.grade": 1, "croix.status": 1}
}


def _is(status: str) -> dict[str, Any]:
    return {"$cond": [{"$eq": ["$croix.status", status]}, 1, 0]}


def _scores(
    gym_id: PydanticObjectId, start: dt.date, end: dt.date, table: ScoringTable
) -> list[dict[str, Any]]:
    """One row per climber with sends at the gym in [start, end): points, sends (problems
    scored) and the hardest problem's key. A problem (colour + grade) counts once per
    climber, as a flash if any of its croix was one (rules.ladder)."""
    grades, at = list(table.grades), "$_at"
    return [
        {"$match": _gym_days(gym_id, midnight_utc(start), before=midnight_utc(end))},
        _CROIX_FIELDS,
        {"$unwind": "$croix"},
        {"$match": {"croix.status": {"$in": SEND_STATUSES}}},
        {"$group": {"_id": {"user": "$user_id", "color": "$croix.color",
                            "grade": "$croix.grade"}, "flash": {"$max": _is(FLASH)}}},
        {"$addFields": {"_at": {"$indexOfArray": [grades, "$_id.grade"]}}},
        {"$match": {"_at": {"$gte": 0}}},  # a grade of no scale scores nothing
        {"$group": {
            "_id": "$_id.user",
            "points": {"$sum": {"$add": [{"$arrayElemAt": [list(table.points), at]},
                                         {"$multiply": ["$flash", table.flash_bonus]}]}},
            "sends": {"$sum": 1},
            "hardest": {"$max": {"$arrayElemAt": [list(table.hardest_keys), at]}},
        }},
    ]  # fmt: skip


_SCORE_COUNTS: list[dict[str, Any]] = [{"$group": {"_id": "$points", "n": {"$sum": 1}}}]


def _row(raw: dict[str, Any]) -> LadderRow:
    return LadderRow(
        user_id=PydanticObjectId(raw["_id"]),
        points=int(raw["points"]),
        sends=int(raw["sends"]),
        hardest_key=int(raw["hardest"]),
    )


def _score_counts(raw: list[dict[str, Any]]) -> list[tuple[int, int]]:
    return [(int(item["_id"]), int(item["n"])) for item in raw]


def _others_sends(
    anchor: Anchor, gym_id: PydanticObjectId, first: dt.date, last: dt.date
) -> list[dict[str, Any]]:
    """One row per other climber who sent the anchor's colour + grade at its gym on a
    day from `first` to `last`: their user id and latest such day."""
    send = {"color": anchor.color, "grade": anchor.grade, "status": {"$in": SEND_STATUSES}}
    return [
        {"$match": {**_gym_days(gym_id, midnight_utc(first), before=_after_day(last)),
                    "user_id": {"$ne": anchor.owner_id}, "croix": {"$elemMatch": send}}},
        {"$project": {**_CROIX_FIELDS["$project"], "date": 1}},
        {"$unwind": "$croix"},
        {"$match": {f"croix.{name}": value for name, value in send.items()}},
        {"$group": {"_id": "$user_id", "last": {"$max": "$date"}}},
    ]  # fmt: skip


class GymCrowdRepository:
    async def circuits(
        self, gym_id: PydanticObjectId, first: dt.date, last: dt.date
    ) -> list[CircuitTally]:
        """Per colour logged at the gym on days `first` to `last`: distinct climbers and
        croix per grade (every logbook counts: this is an aggregate)."""
        pipeline: list[dict[str, Any]] = [
            {"$match": _gym_days(gym_id, midnight_utc(first), before=_after_day(last))},
            _CROIX_FIELDS,
            {"$unwind": "$croix"},
            # One pass over the croix, then both counts from its (far fewer) rows.
            {"$group": {"_id": {"color": "$croix.color", "grade": "$croix.grade",
                                "user": "$user_id"},
                        "croix": {"$sum": 1},
                        "sends": {"$sum": {"$cond": [
                            {"$in": ["$croix.status", SEND_STATUSES]}, 1, 0]}},
                        "flashes": {"$sum": _is(FLASH)}}},
            {"$facet": {
                "climbers": [
                    {"$group": {"_id": {"color": "$_id.color", "user": "$_id.user"}}},
                    {"$group": {"_id": "$_id.color", "n": {"$sum": 1}}},
                ],
                "grades": [
                    {"$group": {"_id": {"color": "$_id.color", "grade": "$_id.grade"},
                                "croix": {"$sum": "$croix"}, "sends": {"$sum": "$sends"},
                                "flashes": {"$sum": "$flashes"}}},
                ],
            }},
        ]  # fmt: skip
        cursor = await _sessions().aggregate(pipeline)
        facets: dict[str, Any] = (await cursor.to_list())[0]
        grades: dict[str, list[GradeTally]] = {}
        for raw in facets["grades"]:
            tally = GradeTally(
                grade=raw["_id"]["grade"],
                croix=int(raw["croix"]),
                sends=int(raw["sends"]),
                flashes=int(raw["flashes"]),
            )
            grades.setdefault(raw["_id"]["color"], []).append(tally)
        return [
            CircuitTally(color=raw["_id"], climbers=int(raw["n"]), grades=grades[raw["_id"]])
            for raw in sorted(facets["climbers"], key=lambda item: str(item["_id"]))
        ]

    async def ladder_page(
        self,
        gym_id: PydanticObjectId,
        start: dt.date,
        end: dt.date,
        table: ScoringTable,
        *,
        audience: Audience,
        first: int,
        after: LadderKey | None,
    ) -> LadderPage:
        """Up to `first` climbers the viewer may see by name, best first, strictly after
        `after`; and the points of every such climber, which ranks are counted from."""
        keyset: list[dict[str, Any]] = []
        if after is not None:
            points, user_id = after
            below = [{"points": {"$lt": points}}, {"points": points, "_id": {"$gt": user_id}}]
            keyset = [{"$match": {"$or": below}}]
        pipeline: list[dict[str, Any]] = [
            *_scores(gym_id, start, end, table),
            *visible_logbook_stages(audience, "_id"),
            {"$facet": {
                "scores": _SCORE_COUNTS,
                "page": [{"$sort": {"points": -1, "_id": 1}}, *keyset, {"$limit": first + 1}],
            }},
        ]  # fmt: skip
        cursor = await _sessions().aggregate(pipeline)
        facets: dict[str, Any] = (await cursor.to_list())[0]
        rows = [_row(raw) for raw in facets["page"]]
        return LadderPage(rows[:first], len(rows) > first, _score_counts(facets["scores"]))

    async def standing(
        self,
        gym_id: PydanticObjectId,
        start: dt.date,
        end: dt.date,
        table: ScoringTable,
        user_id: PydanticObjectId,
    ) -> Standing:
        """The user's row of the month's ladder, and the points of every climber of it
        (all logbooks: a rank is a number about the user only)."""
        pipeline: list[dict[str, Any]] = [
            *_scores(gym_id, start, end, table),
            {"$facet": {"scores": _SCORE_COUNTS, "me": [{"$match": {"_id": user_id}}]}},
        ]
        cursor = await _sessions().aggregate(pipeline)
        facets: dict[str, Any] = (await cursor.to_list())[0]
        mine = facets["me"]
        return Standing(_row(mine[0]) if mine else None, _score_counts(facets["scores"]))

    async def anchor(self, croix_id: PydanticObjectId) -> Anchor | None:
        """The croix with its owner, gym and day (None when no session holds it)."""
        raw = await _sessions().find_one(
            {"croix.id": croix_id},
            {"user_id": 1, "gym_id": 1, "date": 1, "croix": {"$elemMatch": {"id": croix_id}}},
        )
        if raw is None or not raw.get("croix"):
            return None
        entry = raw["croix"][0]
        day: dt.datetime = raw["date"]
        gym_id = raw.get("gym_id")
        return Anchor(
            owner_id=PydanticObjectId(raw["user_id"]),
            gym_id=None if gym_id is None else PydanticObjectId(gym_id),
            day=day.date(),
            color=entry["color"],
            grade=entry["grade"],
        )

    async def also_topped_count(self, anchor: Anchor, first: dt.date, last: dt.date) -> int:
        """How many other climbers sent the anchor's problem then (every logbook); 0 for
        a croix logged at no gym."""
        if anchor.gym_id is None:
            return 0
        pipeline = [*_others_sends(anchor, anchor.gym_id, first, last), {"$count": "n"}]
        found = await (await _sessions().aggregate(pipeline)).to_list()
        return int(found[0]["n"]) if found else 0

    async def also_topped_page(
        self,
        anchor: Anchor,
        first_day: dt.date,
        last_day: dt.date,
        *,
        audience: Audience,
        first: int,
        after: DayUserKey | None,
    ) -> tuple[list[tuple[PydanticObjectId, dt.datetime]], bool]:
        """Up to `first` other climbers the viewer may see by name who sent the anchor's
        problem then, latest send first, strictly after `after`; whether more follow."""
        if anchor.gym_id is None:
            return [], False
        keyset: list[dict[str, Any]] = []
        if after is not None:
            day, user_id = after
            older = [{"last": {"$lt": day}}, {"last": day, "_id": {"$lt": user_id}}]
            keyset = [{"$match": {"$or": older}}]
        pipeline: list[dict[str, Any]] = [
            *_others_sends(anchor, anchor.gym_id, first_day, last_day),
            *visible_logbook_stages(audience, "_id"),
            *keyset,
            {"$sort": {"last": -1, "_id": -1}},
            {"$limit": first + 1},
        ]
        found = [
            (PydanticObjectId(raw["_id"]), raw["last"])
            async for raw in await _sessions().aggregate(pipeline)
        ]
        return found[:first], len(found) > first
