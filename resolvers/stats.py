"""A climber's progress in numbers: `myStats` and `User.stats`, from the logbook's croix.

The numbers are computed by MongoDB (models.stats); this module checks the range and
maps them to GraphQL. The logbook is private (another climber's sessions are
FORBIDDEN), so stats are too: `User.stats` is null unless the caller is that climber.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from beanie import PydanticObjectId

from kit.clock import midnight_utc
from models.stats import ClimbStatsData, ColorCount, GradeCount, SessionLine
from resolvers.context import Info
from resolvers.errors import BadUserInput
from rules.climbing import FONT_GRADES, V_GRADES
from rules.days import parse_day


@strawberry.type(name="GradeCount", description="Sends of one grade.")
class GradeCountType:
    grade: str
    sends: int = strawberry.field(description="Croix TOP or FLASH at this grade.")
    flashes: int


@strawberry.type(name="ColorCount", description="Sends on one hold colour.")
class ColorCountType:
    color: str
    sends: int
    flashes: int


@strawberry.type(name="SessionStats", description="One session: how it felt, what it gave.")
class SessionStats:
    session_id: strawberry.ID
    date: str = strawberry.field(description="The day climbed, YYYY-MM-DD.")
    feeling: int | None
    sends: int
    hardest_send: str | None = strawberry.field(description="Hardest Font send that day.")
    hardest_send_v: str | None = strawberry.field(description="Hardest V-scale send that day.")


@strawberry.type(
    name="ClimbStats",
    description="Numbers from the logbook. A send is a croix TOP or FLASH. Font and V "
    "grades are counted apart, never converted.",
)
class ClimbStats:
    sessions_count: int
    average_feeling: float | None = strawberry.field(
        description="Over the sessions with a feeling; null when none has one."
    )
    sends: int
    flashes: int
    flash_rate: float | None = strawberry.field(
        description="flashes / sends, 0 to 1; null without sends."
    )
    hardest_top: str | None = strawberry.field(description="Hardest Font grade sent.")
    hardest_top_v: str | None = strawberry.field(description="Hardest V grade sent.")
    grade_pyramid: list[GradeCountType] = strawberry.field(
        description="Sends per Font grade, hardest first."
    )
    grade_pyramid_v: list[GradeCountType] = strawberry.field(
        description="Sends per V grade, hardest first."
    )
    by_color: list[ColorCountType] = strawberry.field(
        description="Sends per hold colour, most sends first."
    )
    sessions: list[SessionStats] = strawberry.field(
        description="Every session in the range, oldest first: feeling beside hardest send."
    )

    @classmethod
    def from_data(cls, data: ClimbStatsData) -> ClimbStats:
        return cls(
            sessions_count=data.sessions_count,
            average_feeling=data.average_feeling,
            sends=data.sends,
            flashes=data.flashes,
            flash_rate=data.flash_rate,
            hardest_top=data.hardest_top,
            hardest_top_v=data.hardest_top_v,
            grade_pyramid=[_grade(row) for row in data.grade_pyramid],
            grade_pyramid_v=[_grade(row) for row in data.grade_pyramid_v],
            by_color=[_color(row) for row in data.by_color],
            sessions=[_session(row) for row in data.sessions],
        )


def _grade(row: GradeCount) -> GradeCountType:
    return GradeCountType(grade=row.grade, sends=row.sends, flashes=row.flashes)


def _color(row: ColorCount) -> ColorCountType:
    return ColorCountType(color=row.color, sends=row.sends, flashes=row.flashes)


def _session(row: SessionLine) -> SessionStats:
    return SessionStats(
        session_id=strawberry.ID(str(row.session_id)),
        date=row.date.astimezone(dt.UTC).date().isoformat(),
        feeling=row.feeling,
        sends=row.sends,
        hardest_send=row.hardest_send,
        hardest_send_v=row.hardest_send_v,
    )


def parse_bound(raw: str | None, field: str) -> dt.date | None:
    """A range bound: an ISO day (YYYY-MM-DD), or null for an open end."""
    if raw is None:
        return None
    return parse_day(raw, field)


async def stats_of(
    info: Info, user_id: PydanticObjectId, from_: str | None, to: str | None
) -> ClimbStats:
    since, until = parse_bound(from_, "from"), parse_bound(to, "to")
    if since is not None and until is not None and until < since:
        raise BadUserInput("to", "must not be before `from`")
    data = await info.context.repos.stats.climber_stats(
        user_id,
        since=None if since is None else midnight_utc(since),
        until=None if until is None else midnight_utc(until),
        font_grades=list(FONT_GRADES),
        v_grades=list(V_GRADES),
    )
    return ClimbStats.from_data(data)


@strawberry.type
class StatsQuery:
    @strawberry.field(
        name="myStats",
        description="The caller's numbers over sessions dated `from` to `to` (YYYY-MM-DD, "
        "both included; omit either for an open end).",
    )
    async def my_stats(
        self,
        info: Info,
        from_: Annotated[str | None, strawberry.argument(name="from")] = None,
        to: str | None = None,
    ) -> ClimbStats:
        return await stats_of(info, info.context.require_viewer(), from_, to)
