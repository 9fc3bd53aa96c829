"""Moderation, for moderators only (FORBIDDEN for others): the queue of reported
content, the actions on it (workflows.moderation, workflows.moderation_desk), the log of
every action, the numbers. The report cases' types are in resolvers.report_cases.
"""

from __future__ import annotations

from datetime import UTC

import strawberry
from beanie import PydanticObjectId

from kit.clock import utcnow
from models.moderation_log import ModerationLogEntry
from models.report import ReportCaseDocument
from resolvers.climbing import iso_utc
from resolvers.context import Info
from resolvers.paging import PageInfo, connection, decode_cursor, encode_cursor, page_size
from resolvers.report_cases import (
    ModerationAction,
    ReportCase,
    ReportCaseConnection,
    ReportCaseEdge,
    ReportTarget,
    report_cases,
)
from resolvers.shared_types import User, load_user
from rules.ids import parse_id
from rules.text import text_block

NOTE_MAX = 1000


async def _moderator_of(root: ModerationLogItem, info: Info) -> User | None:
    if root.moderator_id is None:
        return None
    return User.from_card(root.moderator_id, await load_user(info, root.moderator_id))


async def _target_user_of(root: ModerationLogItem, info: Info) -> User:
    return User.from_card(root.target_user_id, await load_user(info, root.target_user_id))


@strawberry.type(name="ModerationLogEntry", description="One action, as it was taken.")
class ModerationLogItem:
    id: strawberry.ID
    at: str
    action: ModerationAction
    moderator: User | None = strawberry.field(
        resolver=_moderator_of, description="Who took it; null when reports hid a video."
    )
    case_id: strawberry.ID
    target_type: ReportTarget
    target_id: strawberry.ID
    target_user: User = strawberry.field(resolver=_target_user_of)
    note: str | None
    moderator_id: strawberry.Private[PydanticObjectId | None]
    target_user_id: strawberry.Private[PydanticObjectId]

    @classmethod
    def from_entry(cls, entry: ModerationLogEntry) -> ModerationLogItem:
        return cls(
            id=strawberry.ID(str(entry.id)),
            at=iso_utc(entry.at),
            action=ModerationAction(entry.action),
            case_id=strawberry.ID(str(entry.case_id)),
            target_type=ReportTarget(entry.target_type),
            target_id=strawberry.ID(str(entry.target_id)),
            note=entry.note,
            moderator_id=entry.moderator_id,
            target_user_id=entry.target_user_id,
        )


@strawberry.type(name="ModerationLogEdge")
class ModerationLogEdge:
    cursor: str
    node: ModerationLogItem


@strawberry.type(name="ModerationLogConnection", description="The most recent action first.")
class ModerationLogConnection:
    edges: list[ModerationLogEdge]
    page_info: PageInfo = strawberry.field(name="pageInfo")


@strawberry.type(name="ModerationStats")
class ModerationStats:
    open_cases: int
    oldest_open_report_at: str | None = strawberry.field(
        description="When the oldest open case was first reported; null when none is open."
    )
    oldest_open_report_age_seconds: int | None = strawberry.field(
        description="How long it has waited (the 24-hour promise made visible)."
    )


@strawberry.type
class ModerationQuery:
    @strawberry.field(
        name="moderationQueue",
        description="Moderators only: one case per reported target with open reports, the "
        "oldest first, by cursor.",
    )
    async def moderation_queue(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> ReportCaseConnection:
        audience = await info.context.require_moderator()
        size, key = page_size(first), decode_cursor(after)
        shown = await info.context.services.moderation_desk.queue(audience, size, key)
        edges = [
            ReportCaseEdge(cursor=encode_cursor(case.first_report_at, _id(case)), node=node)
            for case, node in zip(shown.items, report_cases(info, shown), strict=True)
        ]
        return connection(ReportCaseConnection, edges, shown.has_next)

    @strawberry.field(
        name="moderationLog",
        description="Moderators only: every moderation action, the most recent first.",
    )
    async def moderation_log(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> ModerationLogConnection:
        await info.context.require_moderator()
        size, key = page_size(first), decode_cursor(after)
        found, has_next = await info.context.repos.moderation_log.page(first=size, after=key)
        edges = [
            ModerationLogEdge(
                cursor=encode_cursor(entry.at, _id(entry)), node=ModerationLogItem.from_entry(entry)
            )
            for entry in found
        ]
        return connection(ModerationLogConnection, edges, has_next)

    @strawberry.field(
        name="moderationStats",
        description="Moderators only: open cases and how long the oldest has waited.",
    )
    async def moderation_stats(self, info: Info) -> ModerationStats:
        await info.context.require_moderator()
        count, oldest = await info.context.repos.reports.open_stats()
        age = None
        if oldest is not None:
            aware = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
            age = max(0, int((utcnow() - aware).total_seconds()))
        return ModerationStats(
            open_cases=count,
            oldest_open_report_at=None if oldest is None else iso_utc(oldest),
            oldest_open_report_age_seconds=age,
        )


def _id(document: ReportCaseDocument | ModerationLogEntry) -> PydanticObjectId:
    assert document.id is not None
    return document.id


@strawberry.type
class ModerationMutation:
    @strawberry.mutation(
        description="Moderators only: act on a case (see ModerationAction), which closes "
        "it and is logged with `note`."
    )
    async def moderate(
        self,
        info: Info,
        case_id: strawberry.ID,
        action: ModerationAction,
        note: str | None = None,
    ) -> ReportCase:
        audience = await info.context.require_moderator()
        target = parse_id(case_id, "case_id")
        clean_note = text_block(note, "note", NOTE_MAX)
        shown = await info.context.services.moderation_desk.decide(
            audience,
            case_id=target,
            # The members' names are the stored actions (their values, to mypy, are not).
            action=action.name,
            note=clean_note,
        )
        return report_cases(info, shown)[0]
