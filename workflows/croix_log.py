"""Logging a croix, and what a send closes: the one place for `createCroix` and
`sendProject`.

A croix is pushed atomically into a session the climber owns (theirs for the day, opened
on demand, unless they name one). A `client_id` makes the logging idempotent: a retry
finds the croix logged the first time instead of adding a twin. A send (TOP or FLASH) at
a known gym closes the climber's open projects on the same gym + colour + grade, and the
PROJECT videos of that journey are marked sent. Every step is guarded, so running it
again (a retry after a crash in between) only finishes what was left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from beanie import PydanticObjectId

from kit.clock import midnight_utc
from models.climb_session import (
    MAX_CROIX_PER_SESSION,
    ClimbSession,
    CroixEntry,
    ProjectSend,
    SessionChanges,
)
from models.registry import Repositories
from models.statuses import SENDS
from rules import logbook as logbook_rules
from rules.climbing import NOTES_MAX
from rules.days import parse_logbook_day
from rules.ids import parse_id, parse_optional_id
from rules.text import text_block
from workflows.errors import InvalidInput, Missing, Refused


class Keep(Enum):
    """A field of a `SessionEdit` left as it is (None clears it)."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class SessionEdit:
    """A change to a session as the caller asked for it (fields still raw)."""

    date: str | None = None  # None: kept (a session always has a day)
    gym_id: str | Keep | None = KEEP
    feeling: int | Keep | None = KEEP
    notes: str | Keep | None = KEEP


@dataclass(frozen=True, slots=True)
class Logged:
    session_id: PydanticObjectId
    entry: CroixEntry


class CroixLog:
    def __init__(self, repos: Repositories) -> None:
        self.repos = repos

    async def owned_session(
        self, user_id: PydanticObjectId, session_id: PydanticObjectId
    ) -> PydanticObjectId:
        """`session_id` if it is one of the user's sessions; Missing / Refused otherwise."""
        owner = await self.repos.sessions.owner_of(session_id)
        if owner is None:
            raise Missing("no session with this id")
        if owner != user_id:
            raise Refused("this session belongs to another climber")
        return session_id

    async def existing_gym(self, raw_id: str | None) -> PydanticObjectId | None:
        """The gym a session names, if any; InvalidInput for an id no gym has."""
        gym_id = parse_optional_id(raw_id, "gym_id")
        if gym_id is not None and not await self.repos.gyms.exists(gym_id):
            raise InvalidInput("gym_id", "no gym with this id")
        return gym_id

    async def update_session(
        self, user_id: PydanticObjectId, raw_id: str, edit: SessionEdit
    ) -> ClimbSession:
        """Change one of the user's sessions: ownership first, then each field in turn."""
        session_id = await self.owned_session(user_id, parse_id(raw_id, "id"))
        changes: SessionChanges = {}
        if edit.date is not None:
            changes["date"] = midnight_utc(parse_logbook_day(edit.date))
        if edit.gym_id is not KEEP:
            changes["gym_id"] = await self.existing_gym(edit.gym_id)
        if edit.feeling is not KEEP:
            changes["feeling"] = logbook_rules.check_feeling(edit.feeling)
        if edit.notes is not KEEP:
            changes["notes"] = text_block(edit.notes, "notes", NOTES_MAX)
        updated = await self.repos.sessions.update(session_id, user_id, changes)
        if updated is None:  # deleted since the ownership check
            raise Missing("no session with this id")
        return updated

    async def log(
        self,
        user_id: PydanticObjectId,
        entry: CroixEntry,
        *,
        session_id: PydanticObjectId | None,
        day: dt.date,
        not_before: dt.datetime | None = None,
        close_projects: bool = True,
    ) -> Logged:
        """Log `entry` in `session_id` (the user's), else in the user's session of `day`.

        `not_before`: the session must not be dated earlier (a send after its attempt).
        With `close_projects`, a send closes what it tops.
        """
        if entry.client_id is not None:
            earlier = await self.repos.sessions.croix_by_client_id(user_id, entry.client_id)
            if earlier is not None:
                logged = Logged(earlier.session_id, earlier.entry)
                if close_projects:  # harmless again; heals a crash between push and close
                    await self.close_projects(user_id, logged)
                return logged
        if session_id is not None:
            target = await self.owned_session(user_id, session_id)
        else:
            target = await self.repos.sessions.day_session_id(user_id, day)
        if not_before is not None:
            place = await self.repos.projects.place(target)
            if place is not None and place.day < not_before:
                raise InvalidInput("session_id", "is dated before this attempt")
        stored = await self.repos.sessions.push_croix(target, user_id, entry)
        if stored is None:
            if await self.repos.sessions.owner_of(target) is None:  # deleted meanwhile
                raise Missing("no session with this id")
            raise InvalidInput(
                "session_id", f"a session holds at most {MAX_CROIX_PER_SESSION} croix"
            )
        logged = Logged(target, stored)
        if close_projects:
            await self.close_projects(user_id, logged)
        return logged

    async def send_of(self, logged: Logged) -> ProjectSend:
        """The send `logged` records, dated by its session."""
        place = await self.repos.projects.place(logged.session_id)
        if place is None:
            raise Missing("no session with this id")  # deleted meanwhile
        return ProjectSend(
            croix_id=logged.entry.id, session_id=logged.session_id, day=place.day,
            at=logged.entry.created_at,
        )  # fmt: skip

    async def close_projects(self, user_id: PydanticObjectId, logged: Logged) -> None:
        """If `logged` is a send at a known gym, close the projects it tops."""
        send = logged.entry
        if send.status not in SENDS:
            return
        place = await self.repos.projects.place(logged.session_id)
        if place is None or place.gym_id is None:
            return
        done = ProjectSend(
            croix_id=send.id, session_id=logged.session_id, day=place.day, at=send.created_at
        )
        await self.repos.projects.close(
            user_id, gym_id=place.gym_id, color=send.color, grade=send.grade, send=done
        )
        await self.mark_videos_sent(user_id, done)

    async def mark_videos_sent(self, user_id: PydanticObjectId, send: ProjectSend) -> None:
        """The user's PROJECT videos of the journey `send` closed are sent too (guarded on
        videos still open: running it again changes nothing already marked)."""
        croix_ids = await self.repos.projects.journey_croix_ids(user_id, send.croix_id)
        await self.repos.videos.mark_croix_projects_sent(user_id, croix_ids, send.at)
