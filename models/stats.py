"""A climber's numbers, computed by MongoDB from the croix embedded in their sessions.

One aggregation on `sessions` (a `$facet` of `$unwind` + `$group` branches): no croix
is ever loaded into Python. A send is a croix with status TOP or FLASH (a flash is a
top on the first try). Grades are stored normalized (rules.climbing), so each
belongs to exactly one scale; Font and V are counted apart and never converted: a
grade's difficulty is its index in its own scale's list (`$indexOfArray`), -1 in the
other one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId

from models.climb_session import ClimbSession
from models.statuses import FLASH, SENDS

SEND_STATUSES = list(SENDS)


@dataclass(frozen=True, slots=True)
class GradeCount:
    grade: str
    sends: int
    flashes: int


@dataclass(frozen=True, slots=True)
class ColorCount:
    color: str
    sends: int
    flashes: int


@dataclass(frozen=True, slots=True)
class SessionLine:
    session_id: PydanticObjectId
    date: dt.datetime
    feeling: int | None
    sends: int
    hardest_send: str | None
    hardest_send_v: str | None


@dataclass(frozen=True, slots=True)
class ClimbStatsData:
    sessions_count: int
    average_feeling: float | None
    sends: int
    flashes: int
    flash_rate: float | None
    hardest_top: str | None
    hardest_top_v: str | None
    grade_pyramid: list[GradeCount]
    grade_pyramid_v: list[GradeCount]
    by_color: list[ColorCount]
    sessions: list[SessionLine]


class _Expr:
    """Aggregation expressions over an unwound `croix` (built once per scale list)."""

    def __init__(self, font: list[str], v: list[str]) -> None:
        self.font, self.v = font, v
        self.is_send = {"$in": [{"$ifNull": ["$croix.status", None]}, SEND_STATUSES]}
        self.flash = {"$cond": [{"$eq": ["$croix.status", FLASH]}, 1, 0]}

    def rank(self, scale: list[str]) -> dict[str, Any]:
        """The croix's rank in `scale` if it is a send of that scale, else -1."""
        return {"$cond": [self.is_send, {"$indexOfArray": [scale, "$croix.grade"]}, -1]}

    @staticmethod
    def grade_at(scale: list[str], rank_field: str) -> dict[str, Any]:
        """The grade of a best rank, null when there was none (-1 or no row)."""
        rank = {"$ifNull": [rank_field, -1]}
        return {"$cond": [{"$gte": [rank, 0]}, {"$arrayElemAt": [scale, rank]}, None]}


def _pipeline(match: dict[str, Any], e: _Expr) -> list[dict[str, Any]]:
    sends_only: list[dict[str, Any]] = [
        {"$unwind": "$croix"},
        {"$match": {"croix.status": {"$in": SEND_STATUSES}}},
    ]
    count_sends = {"sends": {"$sum": 1}, "flashes": {"$sum": e.flash}}

    def pyramid(scale: list[str]) -> list[dict[str, Any]]:
        rank = {"$indexOfArray": [scale, "$croix.grade"]}
        return [
            *sends_only,
            {"$match": {"$expr": {"$gte": [rank, 0]}}},
            {"$group": {"_id": "$croix.grade", "rank": {"$first": rank}, **count_sends}},
            {"$sort": {"rank": -1}},  # the top of the pyramid (hardest) first
        ]

    return [
        {"$match": match},
        {
            "$facet": {
                "sessions": [
                    # $avg skips sessions without a feeling.
                    {"$group": {"_id": None, "n": {"$sum": 1}, "feeling": {"$avg": "$feeling"}}}
                ],
                "totals": [
                    *sends_only,
                    {
                        "$group": {
                            "_id": None,
                            **count_sends,
                            "font": {"$max": e.rank(e.font)},
                            "v": {"$max": e.rank(e.v)},
                        }
                    },
                    {
                        "$addFields": {
                            "flash_rate": {"$divide": ["$flashes", "$sends"]},  # sends >= 1
                            "hardest": _Expr.grade_at(e.font, "$font"),
                            "hardest_v": _Expr.grade_at(e.v, "$v"),
                        }
                    },
                ],
                "font": pyramid(e.font),
                "v": pyramid(e.v),
                "colors": [
                    *sends_only,
                    {"$group": {"_id": "$croix.color", **count_sends}},
                    {"$sort": {"sends": -1, "_id": 1}},
                ],
                "per_session": [
                    # Sessions without croix stay (with no send), so every feeling shows.
                    {"$unwind": {"path": "$croix", "preserveNullAndEmptyArrays": True}},
                    {
                        "$group": {
                            "_id": "$_id",
                            "date": {"$first": "$date"},
                            "created_at": {"$first": "$created_at"},
                            "feeling": {"$first": "$feeling"},
                            "sends": {"$sum": {"$cond": [e.is_send, 1, 0]}},
                            "font": {"$max": e.rank(e.font)},
                            "v": {"$max": e.rank(e.v)},
                        }
                    },
                    {"$sort": {"date": 1, "created_at": 1, "_id": 1}},
                    {
                        "$addFields": {
                            "hardest": _Expr.grade_at(e.font, "$font"),
                            "hardest_v": _Expr.grade_at(e.v, "$v"),
                        }
                    },
                ],
            }
        },
    ]


def _in_range(since: dt.datetime | None, until: dt.datetime | None) -> dict[str, Any]:
    """Sessions dated `since`..`until`, both included, as an `$expr`.

    Not `{"date": {"$gte": ..., "$lte": ...}}`, which the embedded database answers
    without the documents equal to the `$gte` bound on the sessions' index
    (db_quirks.RANGE_ON_DESCENDING_INDEX_MISSES_BOUND).
    """
    bounds: list[dict[str, Any]] = []
    if since is not None:
        bounds.append({"$gte": ["$date", since]})
    if until is not None:
        bounds.append({"$lte": ["$date", until]})
    return {"$expr": {"$and": bounds}} if bounds else {}


def _grades(rows: list[dict[str, Any]]) -> list[GradeCount]:
    return [GradeCount(r["_id"], r["sends"], r["flashes"]) for r in rows]


class StatsRepository:
    async def climber_stats(
        self,
        user_id: PydanticObjectId,
        *,
        since: dt.datetime | None,
        until: dt.datetime | None,
        font_grades: list[str],
        v_grades: list[str],
    ) -> ClimbStatsData:
        """The numbers over the user's sessions dated `since`..`until` (both included).

        The grade lists (easiest first) come from the caller: they are the app's rules.
        """
        match: dict[str, Any] = {"user_id": user_id, **_in_range(since, until)}
        expr = _Expr(font_grades, v_grades)
        cursor = await ClimbSession.get_pymongo_collection().aggregate(_pipeline(match, expr))
        facets: dict[str, Any] = (await cursor.to_list())[0]
        empty: dict[str, Any] = {"n": 0, "feeling": None, "sends": 0, "flashes": 0}
        sessions = facets["sessions"][0] if facets["sessions"] else empty
        # No send at all: no totals row, and no rate or hardest grade to speak of.
        totals = facets["totals"][0] if facets["totals"] else empty
        return ClimbStatsData(
            sessions_count=int(sessions["n"]),
            average_feeling=sessions["feeling"],
            sends=int(totals["sends"]),
            flashes=int(totals["flashes"]),
            flash_rate=totals.get("flash_rate"),
            hardest_top=totals.get("hardest"),
            hardest_top_v=totals.get("hardest_v"),
            grade_pyramid=_grades(facets["font"]),
            grade_pyramid_v=_grades(facets["v"]),
            by_color=[ColorCount(r["_id"], r["sends"], r["flashes"]) for r in facets["colors"]],
            sessions=[
                SessionLine(
                    session_id=PydanticObjectId(r["_id"]),
                    date=r["date"],
                    feeling=r.get("feeling"),
                    sends=int(r["sends"]),
                    hardest_send=r["hardest"],
                    hardest_send_v=r["hardest_v"],
                )
                for r in facets["per_session"]
            ],
        )
