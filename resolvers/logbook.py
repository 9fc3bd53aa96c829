"""The climbing logbook: gyms, sessions and their croix (not built yet: see its issue)."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.errors import NotImplementedYet
from resolvers.climbing import VideoStatus

_PENDING = "the logbook is not implemented yet"


@strawberry.type(name="Gym")
class Gym:
    id: strawberry.ID
    name: str
    location: str | None


@strawberry.type(name="Croix")
class Croix:
    id: strawberry.ID
    photo_url: str
    color: str
    grade: str
    status: VideoStatus
    notes: str | None


@strawberry.type(name="Session")
class Session:
    id: strawberry.ID
    date: str
    gym: Gym | None
    feeling: int | None
    notes: str | None
    croix: list[Croix]


@strawberry.type
class LogbookQuery:
    @strawberry.field(name="mySessions")
    async def my_sessions(self, info: Info) -> list[Session]:
        raise NotImplementedYet(_PENDING)

    @strawberry.field(name="myCroix")
    async def my_croix(self, info: Info) -> list[Croix]:
        raise NotImplementedYet(_PENDING)


@strawberry.type
class LogbookMutation:
    @strawberry.mutation(name="createSession")
    async def create_session(
        self,
        info: Info,
        date: str,
        gym_id: strawberry.ID | None = None,
        feeling: int | None = None,
        notes: str | None = None,
    ) -> Session:
        raise NotImplementedYet(_PENDING)

    @strawberry.mutation(name="createCroix")
    async def create_croix(
        self,
        info: Info,
        photo_url: str,
        color: str,
        grade: str,
        status: VideoStatus,
        session_id: strawberry.ID | None = None,
        notes: str | None = None,
    ) -> Croix:
        raise NotImplementedYet(_PENDING)
