"""Report cases as moderators read them (moderationQueue, moderate): the case, its
reasons and details, what a moderator may do with it, and how a case comes from what
workflows.moderation_desk read with it (the reported video or comment and the climbers,
hidden ones included: the audience rule lets moderators see them).
"""

from __future__ import annotations

from enum import Enum

import strawberry

from models.report import CLOSED, COMMENT, OPEN, VIDEO, ReportCaseDocument
from resolvers.climbing import iso_utc
from resolvers.comment_types import Comment, comment_of
from resolvers.context import Info
from resolvers.paging import PageInfo
from resolvers.reports import ReportReason
from resolvers.shared_types import Named, User, Video
from workflows import moderation as actions
from workflows.related import Shown


@strawberry.enum(name="ModerationAction", description="What a moderator does with a case.")
class ModerationAction(Enum):
    HIDE = strawberry.enum_value(
        actions.HIDE,
        description="Hide the video or comment from everyone but its author and moderators.",
    )
    RESTORE = strawberry.enum_value(
        actions.RESTORE, description="Show a hidden video or comment again."
    )
    DISMISS = strawberry.enum_value(
        actions.DISMISS, description="Close the reports; the content stays as it is."
    )
    SUSPEND_USER = strawberry.enum_value(
        actions.SUSPEND_USER,
        description="Suspend the climber (the reported one, or the video's author): their "
        "tokens are refused, log-in answers ACCOUNT_SUSPENDED, all their content is hidden.",
    )
    REINSTATE_USER = strawberry.enum_value(
        actions.REINSTATE_USER, description="Lift a suspension: all back as it was."
    )


@strawberry.enum(name="ReportTarget")
class ReportTarget(Enum):
    VIDEO = "VIDEO"
    USER = "USER"
    COMMENT = "COMMENT"


@strawberry.enum(name="ReportCaseState")
class ReportCaseState(Enum):
    OPEN = strawberry.enum_value(OPEN, description="Reports wait for a moderator.")
    CLOSED = strawberry.enum_value(CLOSED, description="A moderator acted on them.")


@strawberry.type(name="ReasonCount")
class ReasonCount:
    reason: ReportReason
    count: int


@strawberry.type(name="ReportDetail")
class ReportDetail:
    reason: ReportReason
    details: str
    reported_at: str


@strawberry.type(name="ReportCase", description="One reported video or climber.")
class ReportCase:
    id: strawberry.ID
    target_type: ReportTarget
    video: Video | None = strawberry.field(
        description="The reported video (shown even when hidden); null for a reported "
        "climber, or a video its owner deleted."
    )
    comment: Comment | None = strawberry.field(
        default=None,
        description="The reported comment (shown even when hidden); null for other "
        "targets, or a comment deleted since.",
    )
    user: User = strawberry.field(
        description="The reported climber, or the video's or comment's author."
    )
    state: ReportCaseState
    report_count: int = strawberry.field(description="Reports since the case (re)opened.")
    reasons: list[ReasonCount]
    details: list[ReportDetail] = strawberry.field(description="The latest written details.")
    first_report_at: str
    last_report_at: str
    resolution: ModerationAction | None = strawberry.field(description="The last action taken.")
    resolved_at: str | None


@strawberry.type(name="ReportCaseEdge")
class ReportCaseEdge:
    cursor: str
    node: ReportCase


@strawberry.type(name="ReportCaseConnection", description="Open cases, the oldest first.")
class ReportCaseConnection:
    edges: list[ReportCaseEdge]
    page_info: PageInfo = strawberry.field(name="pageInfo")


def report_cases(info: Info, shown: Shown[ReportCaseDocument]) -> list[ReportCase]:
    """The cases with the videos, comments and climbers read with them
    (workflows.moderation_desk; moderators see hidden ones: the audience rule lets them)."""
    named = Named(shown.related, info.context.viewer_id)
    comments = {
        comment_id: comment_of(view, named, named.video(view.video_id))
        for comment_id, view in shown.related.comments.items()
    }
    return [
        ReportCase(
            id=strawberry.ID(str(case.id)),
            target_type=ReportTarget(case.target_type),
            video=named.video(case.target_id) if case.target_type == VIDEO else None,
            comment=comments.get(case.target_id) if case.target_type == COMMENT else None,
            user=named.person(case.target_user_id),
            state=ReportCaseState(case.state),
            report_count=case.report_count,
            reasons=[ReasonCount(reason=ReportReason(r), count=n) for r, n in case.reasons.items()],
            details=[
                ReportDetail(
                    reason=ReportReason(d["reason"]),
                    details=d["details"],
                    reported_at=iso_utc(d["reported_at"]),
                )
                for d in case.details
            ],
            first_report_at=iso_utc(case.first_report_at),
            last_report_at=iso_utc(case.last_report_at),
            resolution=None if case.resolution is None else ModerationAction(case.resolution),
            resolved_at=None if case.resolved_at is None else iso_utc(case.resolved_at),
        )
        for case in shown.items
    ]
