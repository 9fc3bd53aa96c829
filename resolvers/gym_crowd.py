"""The gym's crowd in GraphQL: `gymCircuits`, `gymLadder`, `myLadderRank`, and the
`Croix.also_topped` fields (workflows.gym_crowd holds the use cases).

Circuits and ladders are open to anonymous callers: they see the aggregates (above the
threshold) and the climbers whose logbooks are PUBLIC.
"""

from __future__ import annotations

import strawberry
from beanie import PydanticObjectId

from kit.clock import today_utc
from resolvers.climbing import iso_utc
from resolvers.context import Info
from resolvers.paging import (
    PageInfo,
    connection,
    decode_cursor,
    decode_ladder_cursor,
    encode_cursor,
    encode_ladder_cursor,
    page_size,
)
from resolvers.shared_types import User, load_user
from rules.crowd import CIRCUIT_DAYS_DEFAULT, CIRCUIT_DAYS_MAX
from rules.ids import parse_id
from workflows.gym_crowd import CircuitView, LadderEntryView


@strawberry.type(name="CircuitGradeCount", description="Croix logged at one grade.")
class CircuitGradeCount:
    grade: str
    count: int


@strawberry.type(
    name="Circuit",
    description="One hold colour at a gym over a window of days, from every climber's "
    "logbook. Every number is null while `enough_data` is false (fewer than "
    "CROWD_MIN_CLIMBERS distinct climbers logged it: a number could point at one person).",
)
class Circuit:
    color: str
    enough_data: bool
    climber_count: int | None = strawberry.field(description="Distinct climbers who logged it.")
    croix_count: int | None = strawberry.field(description="Croix logged, any status.")
    grades: list[CircuitGradeCount] | None = strawberry.field(
        description="Croix per grade as logged (Font and V kept apart, never converted): "
        "Font easiest first, then V easiest first."
    )
    crowd_grade: str | None = strawberry.field(
        description="The median logged grade of the circuit's main scale (the lower "
        "middle one for an even count)."
    )
    flash_rate: float | None = strawberry.field(
        description="Flashes / sends (TOP or FLASH), 0 to 1; null without sends."
    )

    @classmethod
    def from_view(cls, view: CircuitView) -> Circuit:
        return cls(
            color=view.color,
            enough_data=view.enough_data,
            climber_count=view.climber_count,
            croix_count=view.croix_count,
            grades=None
            if view.grades is None
            else [CircuitGradeCount(grade=g, count=n) for g, n in view.grades],
            crowd_grade=view.crowd_grade,
            flash_rate=view.flash_rate,
        )


async def _user(info: Info, user_id: PydanticObjectId) -> User | None:
    card = await load_user(info, user_id)  # batched: one users query per page
    return None if card is None else User.from_document(card)


@strawberry.type(
    name="LadderEntry",
    description="A climber's month at a gym. Points: each problem (colour + grade) sent "
    "that month counts once, its grade's points (10 for a Font 4, +10 per Font step; a V "
    "grade as its usual Font equivalent) plus 5 for a flash.",
)
class LadderEntry:
    rank: int = strawberry.field(description="Equal points share a rank (1, 1, 3).")
    points: int
    sends: int = strawberry.field(description="Problems that scored.")
    hardest_grade: str | None
    user_id: strawberry.Private[PydanticObjectId]

    @strawberry.field(description="The climber; null when their account is gone.")
    async def user(self, info: Info) -> User | None:
        return await _user(info, self.user_id)

    @classmethod
    def from_view(cls, view: LadderEntryView) -> LadderEntry:
        return cls(
            rank=view.rank,
            points=view.points,
            sends=view.sends,
            hardest_grade=view.hardest_grade,
            user_id=view.user_id,
        )


@strawberry.type(name="LadderEdge")
class LadderEdge:
    cursor: str
    node: LadderEntry


@strawberry.type(
    name="LadderConnection",
    description="A page of a gym's monthly ladder, best first (Relay): only climbers whose "
    "logbook you may see, ranked among themselves.",
)
class LadderConnection:
    edges: list[LadderEdge]
    page_info: PageInfo = strawberry.field(name="pageInfo")


@strawberry.type(name="AlsoToppedEdge")
class AlsoToppedEdge:
    cursor: str
    sent_on: str = strawberry.field(description="Their latest such send's day, YYYY-MM-DD.")
    user_id: strawberry.Private[PydanticObjectId]

    @strawberry.field(description="The climber; null when their account is gone.")
    async def node(self, info: Info) -> User | None:
        return await _user(info, self.user_id)


@strawberry.type(
    name="AlsoToppedConnection",
    description="Climbers who sent the same problem, their latest send first (Relay).",
)
class AlsoToppedConnection:
    edges: list[AlsoToppedEdge]
    page_info: PageInfo = strawberry.field(name="pageInfo")


async def also_topped_page(
    info: Info, croix_id: PydanticObjectId, first: int | None, after: str | None
) -> AlsoToppedConnection:
    size, key = page_size(first), decode_cursor(after)
    found = await info.context.gym_crowd.also_topped(
        croix_id, audience=await info.context.audience(), first=size, after=key
    )
    edges = [
        AlsoToppedEdge(
            cursor=encode_cursor(day, user_id),
            sent_on=iso_utc(day)[:10],
            user_id=user_id,
        )
        for user_id, day in found.climbers
    ]
    return connection(AlsoToppedConnection, edges, found.has_next)


async def also_topped_count(info: Info, croix_id: PydanticObjectId) -> int | None:
    return await info.context.gym_crowd.also_topped_count(croix_id)


@strawberry.type
class GymCrowdQuery:
    @strawberry.field(
        name="gymCircuits",
        description="One Circuit per hold colour logged at the gym over the last `days` "
        f"days (1 to {CIRCUIT_DAYS_MAX}, today in UTC included), by colour.",
    )
    async def gym_circuits(
        self, info: Info, gym_id: strawberry.ID, days: int | None = CIRCUIT_DAYS_DEFAULT
    ) -> list[Circuit]:
        gym = parse_id(gym_id, "gym_id")
        found = await info.context.gym_crowd.circuits(gym, days, today_utc())
        return [Circuit.from_view(view) for view in found]

    @strawberry.field(
        name="gymLadder",
        description="The gym's ladder for `month` (YYYY-MM, days in UTC), best first, by "
        "cursor: only climbers whose logbook you may see.",
    )
    async def gym_ladder(
        self,
        info: Info,
        gym_id: strawberry.ID,
        month: str,
        first: int | None = 20,
        after: str | None = None,
    ) -> LadderConnection:
        gym = parse_id(gym_id, "gym_id")
        size, key = page_size(first), decode_ladder_cursor(after)
        found = await info.context.gym_crowd.ladder(
            gym, month, today_utc(), audience=await info.context.audience(), first=size, after=key
        )
        edges = [
            LadderEdge(
                cursor=encode_ladder_cursor(entry.points, entry.user_id),
                node=LadderEntry.from_view(entry),
            )
            for entry in found.entries
        ]
        return connection(LadderConnection, edges, found.has_next)

    @strawberry.field(
        name="myLadderRank",
        description="The caller's place in the gym's ladder for `month` among every "
        "climber, whoever may see them; null without a send that month.",
    )
    async def my_ladder_rank(
        self, info: Info, gym_id: strawberry.ID, month: str
    ) -> LadderEntry | None:
        viewer = info.context.require_viewer()
        gym = parse_id(gym_id, "gym_id")
        found = await info.context.gym_crowd.standing(gym, month, today_utc(), viewer)
        return None if found is None else LadderEntry.from_view(found)
