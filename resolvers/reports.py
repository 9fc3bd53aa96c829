"""Reporting a video, a comment or a climber to the moderators (workflows.reports)."""

from __future__ import annotations

from enum import Enum

import strawberry

from models.audience import Audience
from resolvers.context import Info
from resolvers.errors import BadUserInput
from rules.ids import parse_id
from rules.text import text_block

DETAILS_MAX = 1000


@strawberry.enum(name="ReportReason", description="Why something is reported.")
class ReportReason(Enum):
    SPAM = "SPAM"
    NUDITY = "NUDITY"
    HARASSMENT = "HARASSMENT"
    HATE = "HATE"
    VIOLENCE = "VIOLENCE"
    SELF_HARM = "SELF_HARM"
    OTHER = strawberry.enum_value("OTHER", description="Say what in `details`.")


def clean_details(reason: ReportReason, raw: str | None) -> str | None:
    """The details, trimmed; required for OTHER, at most DETAILS_MAX characters."""
    details = text_block(raw, "details", DETAILS_MAX)
    if reason is ReportReason.OTHER and details is None:
        raise BadUserInput("details", "say what is wrong when the reason is OTHER")
    return details


async def _reporter(info: Info) -> Audience:
    """The reporter's audience, once their report is counted against the throttle."""
    viewer = info.context.require_viewer()
    throttle = info.context.services.throttle
    await throttle.reserve([(throttle.rules.report_account, str(viewer))])
    return await info.context.audience()


@strawberry.type
class ReportMutation:
    @strawberry.mutation(
        name="reportVideo",
        description="Report a video to the moderators. One report per climber and video: "
        "a repeat answers true and adds nothing. Reports weighing enough (established, "
        "verified climbers from different places) hide it pending review.",
    )
    async def report_video(
        self,
        info: Info,
        video_id: strawberry.ID,
        reason: ReportReason,
        details: str | None = None,
    ) -> bool:
        target = parse_id(video_id, "video_id")
        clean = clean_details(reason, details)
        audience = await _reporter(info)
        await info.context.services.reporting.report_video(
            audience, target, reason.value, clean, info.context.client_ip
        )
        return True

    @strawberry.mutation(
        name="reportComment",
        description="Report a comment to the moderators. One report per climber and "
        "comment: a repeat answers true and adds nothing. Reports weighing enough "
        "(established, verified climbers from different places) hide it pending review.",
    )
    async def report_comment(
        self,
        info: Info,
        comment_id: strawberry.ID,
        reason: ReportReason,
        details: str | None = None,
    ) -> bool:
        target = parse_id(comment_id, "comment_id")
        clean = clean_details(reason, details)
        audience = await _reporter(info)
        await info.context.services.reporting.report_comment(
            audience, target, reason.value, clean, info.context.client_ip
        )
        return True

    @strawberry.mutation(
        name="reportUser",
        description="Report a climber to the moderators. One report per climber and "
        "reported climber: a repeat answers true and adds nothing.",
    )
    async def report_user(
        self,
        info: Info,
        user_id: strawberry.ID,
        reason: ReportReason,
        details: str | None = None,
    ) -> bool:
        target = parse_id(user_id, "user_id")
        clean = clean_details(reason, details)
        audience = await _reporter(info)
        await info.context.services.reporting.report_user(
            audience, target, reason.value, clean, info.context.client_ip
        )
        return True
