"""Gyms: finding one to log a session at, and adding a missing one."""

from __future__ import annotations

import strawberry

from models.gym import DuplicateGymError, GymDocument
from resolvers.context import Info
from resolvers.errors import BadUserInput
from resolvers.paging import offset_page
from resolvers.terms import require_terms
from rules import logbook as logbook_rules

GYMS_DEFAULT_LIMIT = 20
GYMS_MAX_LIMIT = 50


@strawberry.type(name="Gym")
class Gym:
    id: strawberry.ID
    name: str
    location: str | None

    @classmethod
    def from_document(cls, doc: GymDocument) -> Gym:
        return cls(id=strawberry.ID(str(doc.id)), name=doc.name, location=doc.location)


@strawberry.type
class GymQuery:
    @strawberry.field(
        description="Gyms whose name contains `query` (ignoring case and accents), names "
        f"starting with it first; every gym alphabetically when `query` is empty. At most "
        f"{GYMS_MAX_LIMIT}."
    )
    async def gyms(
        self, info: Info, query: str | None = "", limit: int | None = GYMS_DEFAULT_LIMIT
    ) -> list[Gym]:
        text = logbook_rules.gym_query(query)
        limit, _ = offset_page(limit, 0, default=GYMS_DEFAULT_LIMIT, maximum=GYMS_MAX_LIMIT)
        found = await info.context.repos.gyms.search(text, limit)
        return [Gym.from_document(doc) for doc in found]


@strawberry.type
class GymMutation:
    @strawberry.mutation(
        name="createGym",
        description="Add a gym. Names are unique ignoring case, accents and spacing.",
    )
    async def create_gym(self, info: Info, name: str, location: str | None = None) -> Gym:
        viewer = info.context.require_viewer()
        display_name, folded = logbook_rules.clean_gym_name(name)
        await require_terms(info, viewer)  # a gym's name and place are public text
        info.context.policy.blocked_words.check(display_name, "name")
        where = logbook_rules.clean_location(location)
        info.context.policy.blocked_words.check(where, "location")  # public text too
        try:
            gym = await info.context.repos.gyms.create(
                name=display_name, name_normalized=folded, location=where, created_by=viewer
            )
        except DuplicateGymError as error:
            raise BadUserInput("name", "a gym with this name already exists") from error
        return Gym.from_document(gym)
