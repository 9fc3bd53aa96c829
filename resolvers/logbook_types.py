"""The logbook's GraphQL types: Session and Croix, built from the stored documents."""

from __future__ import annotations

import datetime as dt

import strawberry
from beanie import PydanticObjectId

from models.climb_session import ClimbSession, CroixEntry
from resolvers import gym_crowd
from resolvers.climbing import VideoStatus, iso_utc
from resolvers.context import Info
from resolvers.gym_crowd import AlsoToppedConnection
from resolvers.gyms import Gym
from rules.ids import parse_id


def _id(value: PydanticObjectId) -> strawberry.ID:
    return strawberry.ID(str(value))


@strawberry.type(
    name="Croix", description="One logged send: the photo of the problem and how it went."
)
class Croix:
    id: strawberry.ID
    photo_url: str
    color: str
    grade: str
    status: VideoStatus
    notes: str | None
    session_id: strawberry.ID = strawberry.field(description="The session holding this croix.")
    created_at: str = strawberry.field(description="When it was logged (ISO 8601, UTC).")
    sent_at: str | None = strawberry.field(
        default=None, description="A PROJECT croix once its project was sent: when (ISO 8601)."
    )
    sent_in_session_id: strawberry.ID | None = strawberry.field(
        default=None, description="A PROJECT croix once sent: the session of the send."
    )
    sent_croix_id: strawberry.ID | None = strawberry.field(
        default=None, description="A PROJECT croix once sent: the send's own croix."
    )

    @strawberry.field(
        description="Other climbers who sent (TOP or FLASH) the same gym, colour and grade "
        "within CIRCUIT_MATCH_DAYS of this croix' day, those whose logbook you may see; "
        "empty for a croix logged at no gym."
    )
    async def also_topped(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> AlsoToppedConnection:
        return await gym_crowd.also_topped_page(info, parse_id(self.id, "id"), first, after)

    @strawberry.field(
        description="How many other climbers sent it so, from every logbook; null below "
        "CROWD_MIN_CLIMBERS (a number could point at one person) or at no gym."
    )
    async def also_topped_count(self, info: Info) -> int | None:
        return await gym_crowd.also_topped_count(info, parse_id(self.id, "id"))

    @classmethod
    def from_entry(cls, session_id: PydanticObjectId, entry: CroixEntry) -> Croix:
        return cls(
            id=strawberry.ID(str(entry.id)),
            photo_url=entry.photo_url,
            color=entry.color,
            grade=entry.grade,
            status=VideoStatus(entry.status),
            notes=entry.notes,
            session_id=strawberry.ID(str(session_id)),
            created_at=iso_utc(entry.created_at),
            sent_at=None if entry.sent is None else iso_utc(entry.sent.at),
            sent_in_session_id=None if entry.sent is None else _id(entry.sent.session_id),
            sent_croix_id=None if entry.sent is None else _id(entry.sent.croix_id),
        )


async def load_gym(info: Info, gym_id: PydanticObjectId | None) -> Gym | None:
    """Batched: a page of sessions (or projects) costs one gyms query, however many."""
    if gym_id is None:
        return None
    doc = await info.context.loaders.gyms.load(gym_id)
    return None if doc is None else Gym.from_document(doc)


@strawberry.type(name="Session", description="A day of climbing, holding the croix ticked.")
class Session:
    id: strawberry.ID
    date: str = strawberry.field(description="The day climbed, YYYY-MM-DD.")
    feeling: int | None = strawberry.field(description="How it felt, 1 (bad) to 5 (great).")
    notes: str | None
    croix: list[Croix] = strawberry.field(description="Its croix, in the order logged.")
    gym_id: strawberry.Private[PydanticObjectId | None]

    @strawberry.field(description="Where, when known.")
    async def gym(self, info: Info) -> Gym | None:
        return await load_gym(info, self.gym_id)

    @classmethod
    def from_document(cls, doc: ClimbSession) -> Session:
        assert doc.id is not None
        return cls(
            id=strawberry.ID(str(doc.id)),
            date=doc.date.astimezone(dt.UTC).date().isoformat(),
            feeling=doc.feeling,
            notes=doc.notes,
            croix=[Croix.from_entry(doc.id, entry) for entry in doc.croix],
            gym_id=doc.gym_id,
        )
