"""The documents Beanie manages, and the repositories built on them.

New areas add their document to `DOCUMENT_MODELS` and their repository to
`Repositories`; `init_beanie` then creates their indexes at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from beanie import Document

from models.climb_session import ClimbSession, ClimbSessionRepository
from models.gym import GymDocument, GymRepository
from models.user import UserDocument, UserRepository

DOCUMENT_MODELS: list[type[Document]] = [UserDocument, GymDocument, ClimbSession]


@dataclass(frozen=True, slots=True)
class Repositories:
    users: UserRepository = field(default_factory=UserRepository)
    gyms: GymRepository = field(default_factory=GymRepository)
    sessions: ClimbSessionRepository = field(default_factory=ClimbSessionRepository)
