"""Reporting a video, a comment or a climber: one report per reporter and target, counted
on the target's case; reports weighing enough (workflows.report_weight: trust, not heads)
hide a video or a comment pending review.

The reporter must be able to see the target, blocks aside (one blocks, then reports):
what they may not see otherwise is NOT_FOUND, as everywhere.
"""

from __future__ import annotations

from beanie import PydanticObjectId

from kit.clock import utcnow
from models.audience import Audience
from models.registry import Repositories
from models.report import COMMENT, USER, VIDEO
from workflows.errors import InvalidInput, Missing
from workflows.moderation import Moderation
from workflows.report_weight import (
    DEFAULT_WEIGHT_TO_HIDE,
    ROUND_READ_MAX,
    Standing,
    origin_of,
    round_weight,
    weight_of,
)

REASONS = ("SPAM", "NUDITY", "HARASSMENT", "HATE", "VIOLENCE", "SELF_HARM", "OTHER")


class Reporting:
    def __init__(
        self,
        repos: Repositories,
        moderation: Moderation,
        weight_to_hide: float = DEFAULT_WEIGHT_TO_HIDE,
    ) -> None:
        self._repos = repos
        self._moderation = moderation
        self._weight_to_hide = weight_to_hide

    async def report_video(
        self,
        audience: Audience,
        video_id: PydanticObjectId,
        reason: str,
        details: str | None,
        address: str | None = None,
    ) -> None:
        reporter = _reporter(audience)
        owner = await self._repos.videos.owner_of(video_id, audience.ignoring_blocks())
        if owner is None:
            # Hidden since (by these very reports, maybe): a repeat still answers true.
            if await self._repos.reports.exists(reporter, VIDEO, video_id):
                return
            raise Missing("no video has this id")
        if owner == reporter:
            raise InvalidInput("video_id", "you cannot report your own video")
        count = await self._report(reporter, VIDEO, video_id, owner, reason, details, address)
        if count is not None and await self._round_weight(count[0]) >= self._weight_to_hide:
            await self._moderation.hide_reported(count[0], count[1])
            await self._repos.reports.mark_hidden_pending(count[0])  # first in the queue

    async def report_comment(
        self,
        audience: Audience,
        comment_id: PydanticObjectId,
        reason: str,
        details: str | None,
        address: str | None = None,
    ) -> None:
        """Report a comment the reporter may see (on a video they may see), blocks aside;
        reports weighing enough hide it pending review, as a video."""
        reporter = _reporter(audience)
        seeing = audience.ignoring_blocks()
        comment = await self._repos.comments.visible(comment_id, seeing)
        if comment is None or not await self._repos.videos.exists(comment.video_id, seeing):
            if await self._repos.reports.exists(reporter, COMMENT, comment_id):
                return
            raise Missing("no comment has this id")
        if comment.user_id == reporter:
            raise InvalidInput("comment_id", "you cannot report your own comment")
        count = await self._report(
            reporter, COMMENT, comment_id, comment.user_id, reason, details, address
        )
        if count is not None and await self._round_weight(count[0]) >= self._weight_to_hide:
            await self._moderation.hide_reported(count[0], count[1])
            await self._repos.reports.mark_hidden_pending(count[0])  # first in the queue

    async def report_user(
        self,
        audience: Audience,
        user_id: PydanticObjectId,
        reason: str,
        details: str | None,
        address: str | None = None,
    ) -> None:
        reporter = _reporter(audience)
        if user_id == reporter:
            raise InvalidInput("user_id", "you cannot report yourself")
        if await self._repos.users.visible_card(user_id, audience.ignoring_blocks()) is None:
            raise Missing("no user has this id")
        await self._report(reporter, USER, user_id, user_id, reason, details, address)

    async def standing(self, user_id: PydanticObjectId) -> Standing | None:
        """What a report of this climber's weighs on (None: no such account)."""
        account = await self._repos.users.standing(user_id)
        if account is None:
            return None
        shows, removed = await self._repos.videos.track_record(user_id)
        upheld, dismissed = await self._repos.reports.track_record(user_id)
        return Standing(account[0], account[1], shows, removed, upheld, dismissed)

    async def _round_weight(self, case_id: PydanticObjectId) -> float:
        """The weight of the open round of reports on the case."""
        case = await self._repos.reports.case(case_id)
        if case is None:
            return 0.0
        reports = await self._repos.reports.round_of(
            case.target_type, case.target_id, case.first_report_at, ROUND_READ_MAX
        )
        return round_weight(reports)

    async def _report(
        self,
        reporter: PydanticObjectId,
        target_type: str,
        target_id: PydanticObjectId,
        target_user_id: PydanticObjectId,
        reason: str,
        details: str | None,
        address: str | None,
    ) -> tuple[PydanticObjectId, int] | None:
        """Store and count the report: (its case, the case's open reports), or None for
        a repeat, which adds nothing."""
        if reason not in REASONS:
            raise InvalidInput("reason", "must be one of " + ", ".join(REASONS))
        standing = await self.standing(reporter)
        report = await self._repos.reports.add(
            reporter_id=reporter,
            target_type=target_type,
            target_id=target_id,
            reason=reason,
            details=details,
            weight=0.0 if standing is None else weight_of(standing, utcnow()),
            origin=None if address is None else origin_of(address, target_id),
            reporter_created_at=None if standing is None else standing.created_at,
        )
        if report is None:
            return None
        counted = await self._repos.reports.count_on_case(report, target_user_id)
        return counted.case_id, counted.report_count


def _reporter(audience: Audience) -> PydanticObjectId:
    if audience.viewer_id is None:  # the GraphQL layer requires a viewer first
        raise InvalidInput("viewer", "sign in to report")
    return audience.viewer_id
