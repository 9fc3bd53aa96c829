"""The moderators' desk: the queue of open report cases and the decisions taken on them
(workflows.moderation), each case answered `Shown` with what it names (workflows.related):
the reported video or comment (hidden ones included: moderators see them), the video a
reported comment is on, and the climbers: reported, authors, mentioned.
"""

from __future__ import annotations

from collections.abc import Sequence

from beanie import PydanticObjectId

from models.audience import Audience
from models.registry import Repositories
from models.report import COMMENT, VIDEO, CaseKey, ReportCaseDocument
from workflows.errors import Refused
from workflows.moderation import Moderation
from workflows.related import Related, RelatedReads, Shown


class ModerationDesk:
    def __init__(self, repos: Repositories, moderation: Moderation) -> None:
        self._repos = repos
        self._moderation = moderation
        self._related = RelatedReads(repos)

    async def queue(
        self, audience: Audience, first: int, after: CaseKey | None
    ) -> Shown[ReportCaseDocument]:
        """Up to `first` open cases after `after` (models.report: the queue's order)."""
        cases, has_next = await self._repos.reports.open_page(first=first, after=after)
        return Shown(cases, await self._named(audience, cases), has_next)

    async def decide(
        self,
        audience: Audience,
        *,
        case_id: PydanticObjectId,
        action: str,
        note: str | None = None,
    ) -> Shown[ReportCaseDocument]:
        """Take `action` on the case (workflows.moderation.Moderation.moderate) as the
        moderator `audience` is; the case closed."""
        if audience.viewer_id is None or not audience.moderator:
            raise Refused("moderators only")  # the GraphQL layer checks it first
        case = await self._moderation.moderate(
            case_id=case_id, action=action, moderator_id=audience.viewer_id, note=note
        )
        return Shown([case], await self._named(audience, [case]))

    async def _named(self, audience: Audience, cases: Sequence[ReportCaseDocument]) -> Related:
        return await self._related.read(
            audience,
            video_ids=[case.target_id for case in cases if case.target_type == VIDEO],
            comment_ids=[case.target_id for case in cases if case.target_type == COMMENT],
            user_ids=[case.target_user_id for case in cases],
        )
