"""The climbing logbook: the viewer's sessions and the croix embedded in them.

Everything here acts on the caller's own logbook: another climber's session or croix
is FORBIDDEN, an unknown one NOT_FOUND.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from beanie import PydanticObjectId

from kit.clock import midnight_utc, today_utc
from models.climb_session import (
    ClimbSession,
    CroixChanges,
    CroixEntry,
)
from resolvers.climbing import VideoStatus
from resolvers.context import Info
from resolvers.errors import BadUserInput, Forbidden, NotFound
from resolvers.logbook_types import Croix, Session
from resolvers.paging import offset_page
from rules import logbook as logbook_rules
from rules.climbing import NOTES_MAX, normalize_color, normalize_grade
from rules.days import parse_logbook_day
from rules.ids import parse_id, parse_optional_id
from rules.text import text_block
from storage.kinds import MediaKind
from workflows.croix_log import KEEP, SessionEdit

PAGE_DEFAULT = 100
PAGE_MAX = 200
# Sessions carry their croix (up to MAX_CROIX_PER_SESSION each), so a page of sessions
# is bounded tighter than a page of croix: 50 x 100 croix keeps the worst answer ~10 MB.
SESSION_PAGE_DEFAULT = 50
SESSION_PAGE_MAX = 100
ClientIdArg = Annotated[
    str | None,
    strawberry.argument(
        description="Optional id made by the app for this entry: repeating the call with "
        "the same client_id returns the entry created the first time, not a duplicate."
    ),
]


async def _own_session(info: Info, raw_id: str, field: str) -> PydanticObjectId:
    """The id of a session of the caller's; NOT_FOUND / FORBIDDEN otherwise."""
    viewer = info.context.require_viewer()
    return await info.context.croix_log.owned_session(viewer, parse_id(raw_id, field))


async def _own_croix(info: Info, raw_id: str) -> PydanticObjectId:
    viewer = info.context.require_viewer()
    croix_id = parse_id(raw_id, "id")
    owner = await info.context.repos.sessions.croix_owner(croix_id)
    if owner is None:
        raise NotFound("no croix with this id")
    if owner != viewer:
        raise Forbidden("this croix belongs to another climber")
    return croix_id


async def _existing_gym(info: Info, raw_id: str | None) -> PydanticObjectId | None:
    return await info.context.croix_log.existing_gym(raw_id)


async def _photo(info: Info, viewer: PydanticObjectId, url: str) -> str:
    return await info.context.services.storage.verify_media_url(
        url, kind=MediaKind.PHOTO, owner_id=str(viewer), field="photo_url"
    )


def _notes(raw: str | None) -> str | None:
    return text_block(raw, "notes", NOTES_MAX)


@strawberry.type
class LogbookQuery:
    @strawberry.field(
        name="mySessions", description="The caller's sessions, the most recent day first."
    )
    async def my_sessions(
        self, info: Info, limit: int | None = SESSION_PAGE_DEFAULT, offset: int | None = 0
    ) -> list[Session]:
        viewer = info.context.require_viewer()
        limit, offset = offset_page(
            limit, offset, default=SESSION_PAGE_DEFAULT, maximum=SESSION_PAGE_MAX
        )
        found = await info.context.repos.sessions.list_for_user(viewer, limit=limit, offset=offset)
        return [Session.from_document(doc) for doc in found]

    @strawberry.field(
        name="myCroix", description="The caller's croix across all sessions, newest first."
    )
    async def my_croix(
        self, info: Info, limit: int | None = PAGE_DEFAULT, offset: int | None = 0
    ) -> list[Croix]:
        viewer = info.context.require_viewer()
        limit, offset = offset_page(limit, offset, default=PAGE_DEFAULT, maximum=PAGE_MAX)
        found = await info.context.repos.sessions.list_croix(viewer, limit=limit, offset=offset)
        return [Croix.from_entry(item.session_id, item.entry) for item in found]


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
        client_id: ClientIdArg = None,
    ) -> Session:
        viewer = info.context.require_viewer()
        session = ClimbSession(
            user_id=viewer,
            date=midnight_utc(parse_logbook_day(date)),
            feeling=logbook_rules.check_feeling(feeling),
            notes=_notes(notes),
            client_id=logbook_rules.clean_client_id(client_id),
            gym_id=await _existing_gym(info, gym_id),
        )
        return Session.from_document(await info.context.repos.sessions.create(session))

    @strawberry.mutation(
        name="updateSession",
        description="Change one of the caller's sessions. Omitted arguments are kept; "
        "null clears gym_id, feeling or notes.",
    )
    async def update_session(
        self,
        info: Info,
        id: strawberry.ID,
        date: str | None = None,
        gym_id: strawberry.ID | None = strawberry.UNSET,
        feeling: int | None = strawberry.UNSET,
        notes: str | None = strawberry.UNSET,
    ) -> Session:
        viewer = info.context.require_viewer()
        edit = SessionEdit(
            date=date,
            gym_id=KEEP if gym_id is strawberry.UNSET else gym_id,
            feeling=KEEP if feeling is strawberry.UNSET else feeling,
            notes=KEEP if notes is strawberry.UNSET else notes,
        )
        updated = await info.context.croix_log.update_session(viewer, id, edit)
        return Session.from_document(updated)

    @strawberry.mutation(
        name="deleteSession", description="Delete one of the caller's sessions and its croix."
    )
    async def delete_session(self, info: Info, id: strawberry.ID) -> bool:
        session_id = await _own_session(info, id, "id")
        viewer = info.context.require_viewer()
        if not await info.context.repos.sessions.delete(session_id, viewer):
            raise NotFound("no session with this id")
        return True

    @strawberry.mutation(
        name="createCroix",
        description="Log a croix in one of the caller's sessions; without session_id, in "
        "the caller's session for `date` (YYYY-MM-DD, the climber's local day; default "
        "today in UTC), opened when there is none.",
    )
    async def create_croix(
        self,
        info: Info,
        photo_url: str,
        color: str,
        grade: str,
        status: VideoStatus,
        session_id: strawberry.ID | None = None,
        notes: str | None = None,
        client_id: ClientIdArg = None,
        date: str | None = None,
    ) -> Croix:
        viewer = info.context.require_viewer()
        if date is not None and session_id is not None:
            raise BadUserInput("date", "give either session_id or date, not both")
        # The phone knows the climber's day; UTC's "today" is wrong west of Greenwich
        # in the evening, so the app should send its local date.
        day = parse_logbook_day(date) if date is not None else today_utc()
        # The cheap checks first; vouching for the photo asks the storage.
        color, grade = normalize_color(color), normalize_grade(grade)
        notes, client_id = _notes(notes), logbook_rules.clean_client_id(client_id)
        entry = CroixEntry(
            photo_url=await _photo(info, viewer, photo_url),
            color=color,
            grade=grade,
            status=status.value,
            notes=notes,
            client_id=client_id,
        )
        logged = await info.context.croix_log.log(
            viewer, entry, session_id=parse_optional_id(session_id, "session_id"), day=day
        )
        return Croix.from_entry(logged.session_id, logged.entry)

    @strawberry.mutation(
        name="updateCroix",
        description="Change one of the caller's croix. Omitted arguments are kept; null "
        "clears notes.",
    )
    async def update_croix(
        self,
        info: Info,
        id: strawberry.ID,
        photo_url: str | None = None,
        color: str | None = None,
        grade: str | None = None,
        status: VideoStatus | None = None,
        notes: str | None = strawberry.UNSET,
    ) -> Croix:
        croix_id = await _own_croix(info, id)
        viewer = info.context.require_viewer()
        changes: CroixChanges = {}
        if photo_url is not None:
            changes["photo_url"] = await _photo(info, viewer, photo_url)
        if color is not None:
            changes["color"] = normalize_color(color)
        if grade is not None:
            changes["grade"] = normalize_grade(grade)
        if status is not None:
            changes["status"] = status.value
        if notes is not strawberry.UNSET:
            changes["notes"] = _notes(notes)
        updated = await info.context.repos.sessions.update_croix(croix_id, viewer, changes)
        if updated is None:  # deleted since the ownership check
            raise NotFound("no croix with this id")
        return Croix.from_entry(updated.session_id, updated.entry)

    @strawberry.mutation(name="deleteCroix", description="Delete one of the caller's croix.")
    async def delete_croix(self, info: Info, id: strawberry.ID) -> bool:
        croix_id = await _own_croix(info, id)
        viewer = info.context.require_viewer()
        if not await info.context.repos.sessions.delete_croix(croix_id, viewer):
            raise NotFound("no croix with this id")
        return True
