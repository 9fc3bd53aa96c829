"""Project journeys: `sendProject`, `myProjects`, and closing projects as sends are logged.

The data model is described in models.projects. A project closes in two ways:
- `sendProject(croix_id)`: the climber says "sent it"; a TOP croix is logged (in the
  given session, or today's) with the project's photo, colour and grade;
- logging a TOP or FLASH croix (createCroix) in a session at a gym where the climber
  has an open project of that colour and grade. Only with a known gym: a colour and a
  grade alone name a different problem in every gym.
"""

from __future__ import annotations

import datetime as dt

import strawberry
from beanie import PydanticObjectId

from models.climb_session import MAX_CROIX_PER_SESSION, CroixEntry, ProjectSend, midnight_utc
from models.projects import PROJECT, Attempt, ProjectData
from resolvers import logbook_rules as rules
from resolvers.climbing import iso_utc
from resolvers.context import Info
from resolvers.errors import BadUserInput, Forbidden, NotFound
from resolvers.gyms import Gym
from resolvers.ids import parse_id, parse_optional_id
from resolvers.logbook_types import load_gym

LIMIT_DEFAULT, LIMIT_MAX = 50, 200
SEND_STATUSES = ("TOP", "FLASH")


def _day(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).date().isoformat()


def _today() -> dt.datetime:
    return midnight_utc(rules.today_utc())


@strawberry.type(
    name="Project",
    description="A problem worked over one or more sessions: the PROJECT croix logged on "
    "one gym + hold colour + grade, until it is sent.",
)
class Project:
    id: strawberry.ID = strawberry.field(
        description="The first attempt's croix id (any attempt's id works for sendProject)."
    )
    color: str
    grade: str
    sent: bool
    attempts: int = strawberry.field(description="PROJECT croix logged on it.")
    sessions_spent: int = strawberry.field(
        description="Sessions with an attempt, plus the send's session once sent."
    )
    days_spent: int = strawberry.field(
        description="Days from the first attempt to today (open) or to the send (sent)."
    )
    days_to_send: int | None = strawberry.field(description="Null while open.")
    first_tried_on: str = strawberry.field(description="YYYY-MM-DD.")
    last_tried_on: str = strawberry.field(description="YYYY-MM-DD.")
    sent_on: str | None = strawberry.field(description="The send's day, YYYY-MM-DD.")
    sent_at: str | None = strawberry.field(description="When the send was logged (ISO 8601).")
    sent_croix_id: strawberry.ID | None = strawberry.field(description="The send's croix.")
    sent_in_session_id: strawberry.ID | None
    gym_id: strawberry.Private[PydanticObjectId | None]

    @strawberry.field(description="Where, when known.")
    async def gym(self, info: Info) -> Gym | None:
        return await load_gym(info, self.gym_id)

    @classmethod
    def from_data(cls, data: ProjectData) -> Project:
        sent = data.sent_croix_id is not None
        return cls(
            id=strawberry.ID(str(data.first_croix_id)),
            color=data.color,
            grade=data.grade,
            sent=sent,
            attempts=data.attempts,
            sessions_spent=data.sessions_spent,
            days_spent=data.days_spent,
            days_to_send=data.days_spent if sent else None,
            first_tried_on=_day(data.first_tried_on),
            last_tried_on=_day(data.last_tried_on),
            sent_on=None if data.sent_on is None else _day(data.sent_on),
            sent_at=None if data.sent_at is None else iso_utc(data.sent_at),
            sent_croix_id=None if not sent else strawberry.ID(str(data.sent_croix_id)),
            sent_in_session_id=(
                None
                if data.sent_in_session_id is None
                else strawberry.ID(str(data.sent_in_session_id))
            ),
            gym_id=data.gym_id,
        )


@strawberry.type(name="ProjectBook", description="The caller's projects.")
class ProjectBook:
    open: list[Project] = strawberry.field(description="Still open, most recently tried first.")
    sent: list[Project] = strawberry.field(description="Sent, most recently sent first.")


async def close_projects(
    info: Info, user_id: PydanticObjectId, session_id: PydanticObjectId, send: CroixEntry
) -> None:
    """After a croix is logged: if it is a send at a known gym, close what it tops."""
    if send.status not in SEND_STATUSES:
        return
    repo = info.context.repos.projects
    place = await repo.place(session_id)
    if place is None or place.gym_id is None:
        return
    done = ProjectSend(croix_id=send.id, session_id=session_id, day=place.day, at=send.created_at)
    await repo.close(user_id, gym_id=place.gym_id, color=send.color, grade=send.grade, send=done)
    await mark_videos_sent(info, user_id, done)


async def mark_videos_sent(info: Info, user_id: PydanticObjectId, send: ProjectSend) -> None:
    """The climber's PROJECT videos of the journey `send` closed are sent too.

    Guarded on videos still open, so running it again (a retry, or a repeated
    sendProject that heals a crash in between) changes nothing already marked.
    """
    repos = info.context.repos
    croix_ids = await repos.projects.journey_croix_ids(user_id, send.croix_id)
    await repos.videos.mark_croix_projects_sent(user_id, croix_ids, send.at)


async def _own_attempt(info: Info, raw: strawberry.ID) -> Attempt:
    viewer = info.context.require_viewer()
    attempt = await info.context.repos.projects.attempt(parse_id(raw, "croix_id"))
    if attempt is None:
        raise NotFound("no croix with this id")
    if attempt.user_id != viewer:
        raise Forbidden("this croix belongs to another climber")
    if attempt.entry.status != PROJECT:
        raise BadUserInput("croix_id", "is not a project (status PROJECT)")
    return attempt


async def _send_session(
    info: Info, attempt: Attempt, raw: strawberry.ID | None
) -> PydanticObjectId:
    """Where the send goes: the given session (the caller's), else today's."""
    repos = info.context.repos
    session_id = parse_optional_id(raw, "session_id")
    if session_id is None:
        return await repos.sessions.day_session_id(attempt.user_id, rules.today_utc())
    owner = await repos.sessions.owner_of(session_id)
    if owner is None:
        raise NotFound("no session with this id")
    if owner != attempt.user_id:
        raise Forbidden("this session belongs to another climber")
    return session_id


async def _log_send(info: Info, attempt: Attempt, raw_session: strawberry.ID | None) -> ProjectSend:
    """Log the send croix once: a fixed client_id makes a retried sendProject reuse it."""
    repos = info.context.repos
    entry = CroixEntry(
        photo_url=attempt.entry.photo_url,
        color=attempt.entry.color,
        grade=attempt.entry.grade,
        status="TOP",
        client_id=f"send-{attempt.entry.id}",
    )
    assert entry.client_id is not None
    earlier = await repos.sessions.croix_by_client_id(attempt.user_id, entry.client_id)
    if earlier is not None:
        session_id, stored = earlier.session_id, earlier.entry
    else:
        session_id = await _send_session(info, attempt, raw_session)
        place = await repos.projects.place(session_id)
        if place is not None and place.day < attempt.day:
            raise BadUserInput("session_id", "is dated before this attempt")
        pushed = await repos.sessions.push_croix(session_id, attempt.user_id, entry)
        if pushed is None:
            if await repos.sessions.owner_of(session_id) is None:  # deleted meanwhile
                raise NotFound("no session with this id")
            raise BadUserInput(
                "session_id", f"a session holds at most {MAX_CROIX_PER_SESSION} croix"
            )
        stored = pushed
    place = await repos.projects.place(session_id)
    if place is None:
        raise NotFound("no session with this id")  # deleted meanwhile
    return ProjectSend(
        croix_id=stored.id, session_id=session_id, day=place.day, at=stored.created_at
    )


@strawberry.type
class ProjectQuery:
    @strawberry.field(
        name="myProjects",
        description="The caller's projects: open ones with the days and sessions spent so "
        f"far, sent ones with days to send. At most `limit` (1 to {LIMIT_MAX}) of each.",
    )
    async def my_projects(self, info: Info, limit: int | None = LIMIT_DEFAULT) -> ProjectBook:
        viewer = info.context.require_viewer()
        size, _ = rules.check_page(limit, 0, default=LIMIT_DEFAULT, maximum=LIMIT_MAX)
        opened, sent = await info.context.repos.projects.book(viewer, today=_today(), limit=size)
        return ProjectBook(
            open=[Project.from_data(p) for p in opened], sent=[Project.from_data(p) for p in sent]
        )


@strawberry.type
class ProjectMutation:
    @strawberry.mutation(
        name="sendProject",
        description="Mark one of your projects sent: logs a TOP croix (in `session_id`, or "
        "today's session) and closes every open attempt on that gym + colour + grade. "
        "Idempotent: a project already sent is returned as it is.",
    )
    async def send_project(
        self, info: Info, croix_id: strawberry.ID, session_id: strawberry.ID | None = None
    ) -> Project:
        repo = info.context.repos.projects
        attempt = await _own_attempt(info, croix_id)
        if attempt.entry.sent is None:
            send = await _log_send(info, attempt, session_id)
            entry = attempt.entry
            await repo.close(
                attempt.user_id,
                gym_id=attempt.gym_id,
                color=entry.color,
                grade=entry.grade,
                send=send,
            )
            # Read back: a concurrent send may have closed it first, with its own croix.
            closed = await repo.attempt(entry.id)
            if closed is None:
                raise NotFound("no croix with this id")  # deleted meanwhile
            attempt = closed
        if attempt.entry.sent is not None:
            await mark_videos_sent(info, attempt.user_id, attempt.entry.sent)
        journey = await repo.journey_of(attempt, today=_today())
        if journey is None:
            raise NotFound("no croix with this id")
        return Project.from_data(journey)
