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

from kit.clock import midnight_utc, today_utc
from models.climb_session import CroixEntry, ProjectSend
from models.projects import Attempt, ProjectData
from models.statuses import PROJECT, TOP
from resolvers.climbing import iso_utc
from resolvers.context import Info
from resolvers.errors import BadUserInput, Forbidden, NotFound
from resolvers.gyms import Gym
from resolvers.logbook_types import load_gym
from resolvers.paging import offset_page
from rules.ids import parse_id, parse_optional_id

LIMIT_DEFAULT, LIMIT_MAX = 50, 200


def _day(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).date().isoformat()


def _today() -> dt.datetime:
    return midnight_utc(today_utc())


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


async def _log_send(info: Info, attempt: Attempt, raw_session: strawberry.ID | None) -> ProjectSend:
    """Log the send croix once: a fixed client_id makes a retried sendProject reuse it.
    It goes in the given session (the caller's), else in today's."""
    entry = CroixEntry(
        photo_url=attempt.entry.photo_url,
        color=attempt.entry.color,
        grade=attempt.entry.grade,
        status=TOP,
        client_id=f"send-{attempt.entry.id}",
    )
    log = info.context.croix_log
    logged = await log.log(
        attempt.user_id,
        entry,
        session_id=parse_optional_id(raw_session, "session_id"),
        day=today_utc(),
        not_before=attempt.day,
        close_projects=False,  # sendProject closes the attempt's own journey, below
    )
    return await log.send_of(logged)


@strawberry.type
class ProjectQuery:
    @strawberry.field(
        name="myProjects",
        description="The caller's projects: open ones with the days and sessions spent so "
        f"far, sent ones with days to send. At most `limit` (1 to {LIMIT_MAX}) of each.",
    )
    async def my_projects(self, info: Info, limit: int | None = LIMIT_DEFAULT) -> ProjectBook:
        viewer = info.context.require_viewer()
        size, _ = offset_page(limit, 0, default=LIMIT_DEFAULT, maximum=LIMIT_MAX)
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
            await info.context.croix_log.mark_videos_sent(attempt.user_id, attempt.entry.sent)
        journey = await repo.journey_of(attempt, today=_today())
        if journey is None:
            raise NotFound("no croix with this id")
        return Project.from_data(journey)
