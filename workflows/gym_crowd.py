"""The gym's crowd, the one place for its use cases: circuits, ladders, "also topped".

Who is seen (issue 27): a climber appears by name only where their logbook's visibility
and the audience rule admit the viewer (decided in the queries, models.audience);
aggregates count every logbook but are shown only when `min_climbers` distinct climbers
contributed (rules.crowd), otherwise every number is None; a climber's own rank counts
everyone (a number about themselves only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from beanie import PydanticObjectId

from models.audience import Audience
from models.gym_crowd import (
    Anchor,
    CircuitTally,
    DayUserKey,
    LadderKey,
    LadderRow,
    ScoringTable,
)
from models.registry import Repositories
from rules import crowd, ladder
from workflows.errors import Missing

SCORING = ScoringTable(
    grades=ladder.SCORED_GRADES,
    points=ladder.GRADE_POINTS,
    hardest_keys=ladder.HARDEST_KEYS,
    flash_bonus=ladder.FLASH_BONUS,
)


@dataclass(frozen=True, slots=True)
class CircuitView:
    """A colour at a gym; every number None while `enough_data` is false."""

    color: str
    enough_data: bool
    climber_count: int | None = None
    croix_count: int | None = None
    grades: list[tuple[str, int]] | None = None  # (grade, croix), Font then V, easiest first
    crowd_grade: str | None = None
    flash_rate: float | None = None  # flashes / sends; None without sends


@dataclass(frozen=True, slots=True)
class LadderEntryView:
    rank: int
    user_id: PydanticObjectId
    points: int
    sends: int
    hardest_grade: str


@dataclass(frozen=True, slots=True)
class LadderView:
    entries: list[LadderEntryView]
    has_next: bool


@dataclass(frozen=True, slots=True)
class AlsoToppedView:
    climbers: list[tuple[PydanticObjectId, dt.datetime]]  # (user id, latest send's day)
    has_next: bool


def _circuit(tally: CircuitTally, min_climbers: int) -> CircuitView:
    if not crowd.enough_data(tally.climbers, min_climbers):
        return CircuitView(color=tally.color, enough_data=False)
    grades = sorted(tally.grades, key=lambda item: crowd.grade_order(item.grade))
    counts = [(item.grade, item.croix) for item in grades]
    sends = sum(item.sends for item in grades)
    flashes = sum(item.flashes for item in grades)
    return CircuitView(
        color=tally.color,
        enough_data=True,
        climber_count=tally.climbers,
        croix_count=sum(item.croix for item in grades),
        grades=counts,
        crowd_grade=crowd.crowd_grade(counts),
        flash_rate=flashes / sends if sends else None,
    )


def _entry(row: LadderRow, score_counts: list[tuple[int, int]]) -> LadderEntryView:
    return LadderEntryView(
        rank=ladder.competition_rank(row.points, score_counts),
        user_id=row.user_id,
        points=row.points,
        sends=row.sends,
        hardest_grade=ladder.grade_of_key(row.hardest_key),
    )


class GymCrowd:
    def __init__(self, repos: Repositories, *, min_climbers: int, match_days: int) -> None:
        self.repos = repos
        self.min_climbers = min_climbers
        self.match_days = match_days

    async def _known_gym(self, gym_id: PydanticObjectId) -> None:
        if not await self.repos.gyms.exists(gym_id):
            raise Missing("no gym with this id")

    async def circuits(
        self, gym_id: PydanticObjectId, days: int | None, today: dt.date
    ) -> list[CircuitView]:
        """One view per colour logged at the gym over the last `days` days, by colour."""
        window = crowd.circuit_window(today, days)
        await self._known_gym(gym_id)
        tallies = await self.repos.gym_crowd.circuits(gym_id, window.first, window.last)
        return [_circuit(tally, self.min_climbers) for tally in tallies]

    async def ladder(
        self,
        gym_id: PydanticObjectId,
        month: str,
        today: dt.date,
        *,
        audience: Audience,
        first: int,
        after: LadderKey | None,
    ) -> LadderView:
        """A page of the month's ladder as this viewer may see it: only climbers whose
        logbook the viewer may see, ranked among themselves (a hidden climber leaves no
        gap that would tell where they stand)."""
        start, end = ladder.parse_month(month, today)
        await self._known_gym(gym_id)
        page = await self.repos.gym_crowd.ladder_page(
            gym_id, start, end, SCORING, audience=audience, first=first, after=after
        )
        entries = [_entry(row, page.score_counts) for row in page.rows]
        return LadderView(entries, page.has_next)

    async def standing(
        self, gym_id: PydanticObjectId, month: str, today: dt.date, user_id: PydanticObjectId
    ) -> LadderEntryView | None:
        """The user's own place in the month's ladder among every climber; None without
        a send that month."""
        start, end = ladder.parse_month(month, today)
        await self._known_gym(gym_id)
        found = await self.repos.gym_crowd.standing(gym_id, start, end, SCORING, user_id)
        return None if found.row is None else _entry(found.row, found.score_counts)

    def _match_days(self, anchor: Anchor) -> crowd.DayWindow:
        return crowd.match_window(anchor.day, self.match_days)

    async def also_topped_count(self, croix_id: PydanticObjectId) -> int | None:
        """How many other climbers sent this croix's problem within the match window;
        None below the threshold, or for a croix logged at no gym."""
        anchor = await self.repos.gym_crowd.anchor(croix_id)
        if anchor is None or anchor.gym_id is None:
            return None
        window = self._match_days(anchor)
        count = await self.repos.gym_crowd.also_topped_count(anchor, window.first, window.last)
        return count if crowd.enough_data(count, self.min_climbers) else None

    async def also_topped(
        self,
        croix_id: PydanticObjectId,
        *,
        audience: Audience,
        first: int,
        after: DayUserKey | None,
    ) -> AlsoToppedView:
        """Other climbers, those the viewer may see by name, who sent this croix's
        problem within the match window; latest first."""
        anchor = await self.repos.gym_crowd.anchor(croix_id)
        if anchor is None or anchor.gym_id is None:
            return AlsoToppedView([], has_next=False)
        window = self._match_days(anchor)
        found, has_next = await self.repos.gym_crowd.also_topped_page(
            anchor, window.first, window.last, audience=audience, first=first, after=after
        )
        return AlsoToppedView(found, has_next)
